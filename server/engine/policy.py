"""Who is called next at a counter.

Priority tickets (Law 25/2009 art. 29) go first, oldest first, but after
`max_in_row` priority calls in a row at one counter a waiting normal ticket gets
its turn, so a steady stream of priority arrivals cannot starve everyone else.
Among equally old tickets the counter's preferred service wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol, TypeVar

from antrean.vocabulary import Priority


class InLine(Protocol):
    """A waiting ticket, whole or just its place in line."""

    @property
    def id(self) -> int: ...

    @property
    def service_id(self) -> int: ...

    @property
    def priority(self) -> Priority: ...

    @property
    def queued_at(self) -> datetime: ...


Waiting = TypeVar("Waiting", bound=InLine)


def call_order(
    candidates: Iterable[Waiting],
    preference: Mapping[int, int],
    priority_streak: int,
    max_in_row: int,
) -> list[Waiting]:
    """All candidates in the order this counter should try to call them."""

    def arrival(ticket: Waiting) -> tuple[object, ...]:
        return (ticket.queued_at, preference.get(ticket.service_id, len(preference)), ticket.id)

    tickets = sorted(candidates, key=arrival)
    priority = [t for t in tickets if t.priority.is_priority]
    normal = [t for t in tickets if not t.priority.is_priority]
    if priority and normal and priority_streak >= max_in_row:
        return normal + priority
    return priority + normal


def next_streak(streak: int, called: InLine) -> int:
    return streak + 1 if called.priority.is_priority else 0
