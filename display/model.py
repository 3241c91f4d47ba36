"""What the wall shows, worked out from the office's snapshot: no pixels here.

`wall_model` turns a `QueueSnapshot` (as the DeviceClient keeps it) and the
display's filters into plain values the painter draws: the latest call, one
tile per counter, the calls before it, the waiting line per service, and the
running text. A wall limited to some services or counters (one per floor)
sees only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from antrean.protocol import CallView, QueueSnapshot
from antrean.vocabulary import CounterState


@dataclass(frozen=True)
class Call:
    ticket_id: int
    code: str
    service: str
    counter: int
    counter_name: str
    at: datetime
    call_count: int

    @property
    def identity(self) -> tuple[int, int]:
        """A call is announced once per (ticket, call count): a recall is a new one."""
        return (self.ticket_id, self.call_count)


@dataclass(frozen=True)
class Tile:
    counter: int
    name: str
    code: str | None  # the ticket at the counter now, if any
    paused: bool


@dataclass(frozen=True)
class ServiceLine:
    code: str
    name: str
    waiting: int
    wait_minutes: float | None
    accepting: bool


@dataclass(frozen=True)
class WallModel:
    office: str
    timezone: str
    latest: Call | None
    tiles: tuple[Tile, ...]
    recent: tuple[Call, ...]
    services: tuple[ServiceLine, ...]
    announcements: tuple[str, ...]
    requirements: tuple[tuple[str, str], ...]  # (service name, its requirements)


@dataclass(frozen=True)
class Filters:
    services: frozenset[str] = frozenset()
    counters: frozenset[int] = frozenset()

    def service(self, code: str) -> bool:
        return not self.services or code in self.services

    def counter(self, number: int) -> bool:
        return not self.counters or number in self.counters


def calls_of(snapshot: QueueSnapshot, filters: Filters) -> list[Call]:
    """The snapshot's recent calls this wall shows, newest first."""
    names = {c.number: c.name for c in snapshot.counters}
    calls = [
        _call(view, names) for view in snapshot.recent_calls
        if filters.service(view.service) and filters.counter(view.counter)
    ]
    return sorted(calls, key=lambda c: (c.at, c.ticket_id, c.call_count), reverse=True)


def _call(view: CallView, names: dict[int, str]) -> Call:
    return Call(
        ticket_id=view.ticket_id,
        code=view.code,
        service=view.service,
        counter=view.counter,
        counter_name=names.get(view.counter, f"Loket {view.counter}"),
        at=view.at,
        call_count=view.call_count,
    )


def wall_model(
    snapshot: QueueSnapshot,
    filters: Filters = Filters(),
    *,
    title: str | None = None,
    recent_count: int = 6,
    extra_announcements: Sequence[str] = (),
    show_requirements: bool = True,
) -> WallModel:
    calls = calls_of(snapshot, filters)
    tiles = tuple(
        Tile(
            counter=c.number,
            name=c.name,
            code=c.current.code if c.current is not None and filters.service(
                c.current.service
            ) else None,
            paused=c.state is CounterState.PAUSED,
        )
        for c in sorted(snapshot.counters, key=lambda c: c.number)
        if c.state is not CounterState.CLOSED and filters.counter(c.number)
        and (not filters.services or filters.services.intersection(c.services))
    )
    services = tuple(
        ServiceLine(s.code, s.name, s.waiting, s.estimated_wait_minutes, s.accepting)
        for s in snapshot.services
        if s.active and filters.service(s.code)
    )
    requirements = tuple(
        (s.name, s.requirements.strip())
        for s in snapshot.services
        if show_requirements and s.active and s.requirements.strip() and filters.service(s.code)
    )
    return WallModel(
        office=title or snapshot.site.name,
        timezone=snapshot.site.timezone,
        latest=calls[0] if calls else None,
        tiles=tiles,
        recent=tuple(calls[1:1 + recent_count]),
        services=services,
        announcements=tuple(
            text.strip() for text in [*snapshot.announcements, *extra_announcements]
            if text.strip()
        ),
        requirements=requirements,
    )


def ticker_items(model: WallModel, turn: int) -> list[str]:
    """The running text's pieces for one pass: every announcement, then one service's
    requirements, a different service each pass."""
    items = list(model.announcements)
    if model.requirements:
        name, text = model.requirements[turn % len(model.requirements)]
        items.append(f"Persyaratan {name}: {text}")
    return items
