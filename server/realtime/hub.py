"""The in-process fanout: events from the command threads to every socket of one process.

Commands commit in `seq` order per site, but their threads hand events over in
whatever order the scheduler lets them, and events written elsewhere (another
process with no shared bus, the command line) never come here at all. So the
hub delivers each site's events strictly in `seq` order: an early arrival waits
a moment for the ones before it, and a gap that stays open is filled from the
database.

Each event becomes its socket frame once, where it enters the hub: in the
command's own thread for this process's events (off the event loop), from the
notice's JSON for another process's (no model to validate and dump again). The
same text then goes to every socket of the office.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from antrean.messages import EventMessage
from antrean.protocol import EventView
from server.operations import EventBus

log = logging.getLogger(__name__)

EventLoader = Callable[[str, int, int], list[EventView]]
"""(site, after, limit) → that site's events with seq > after, oldest first."""

REORDER_WAIT = 0.05
MAX_HELD = 1000
FILL_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Framed:
    """An event ready to send: its office, its place, and the whole socket frame."""

    site: str
    seq: int
    frame: str

    @classmethod
    def of(cls, event: EventView) -> Framed:
        return cls(event.site, event.seq, EventMessage(event=event).model_dump_json())

    @classmethod
    def from_json(cls, event: Mapping[str, Any]) -> Framed:
        """From an event as another server process sent it (already its JSON form)."""
        site, seq = event["site"], event["seq"]
        if not isinstance(site, str) or type(seq) is not int:
            raise ValueError("an event needs a site and a seq")
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        return cls(site, seq, f'{{"type":"event","event":{body}}}')


class Subscriber(Protocol):
    def deliver(self, seq: int, frame: str) -> None:
        """Take one event frame; called on the event loop, must not block."""


class Hub:
    def __init__(
        self,
        loader: EventLoader | None = None,
        *,
        reorder_wait: float = REORDER_WAIT,
        max_held: int = MAX_HELD,
    ) -> None:
        self._loader = loader
        self._reorder_wait = reorder_wait
        self._max_held = max_held
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._subscribers: dict[str, dict[Subscriber, None]] = {}
        self._last: dict[str, int] = {}
        self._held: dict[str, dict[int, Framed]] = {}
        self._wanted: dict[str, int] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._filling: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.delivered = 0

    # Life cycle: the hub lives on one event loop (the server's).

    def attach(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def detach(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in self._tasks:
            task.cancel()
        self._loop = None

    # The EventBus side, called from any thread after a commit.

    def publish(self, events: list[EventView]) -> None:
        loop = self._loop
        if loop is None or not events:
            return
        framed = [Framed.of(event) for event in events]  # in the caller's thread
        if threading.get_ident() == self._loop_thread:
            self.accept(framed)
            return
        # RuntimeError: the loop closed under us; the server is stopping and nobody listens.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self.accept, framed)

    def committed(self, site: str, seq: int) -> None:
        """`seq` is committed at `site` but its event did not come with the news: fetch it."""
        last = self._last.setdefault(site, seq - 1)
        if seq > last:
            self._wanted[site] = max(seq, self._wanted.get(site, 0))
            self._schedule_fill(site, delay=0)

    def observe(self, site: str, seq: int) -> None:
        """A snapshot of `site` was read at `seq`: where to start if no event came yet.

        Without it the first event to arrive would set the start, and one that
        overtook its predecessor (two processes' NOTIFYs crossing) would hide it.
        """
        self._last.setdefault(site, seq)

    def catch_up(self) -> None:
        """Look in the database for anything missed (after the shared bus was down)."""
        for site in list(self._last):
            self._wanted[site] = max(self._wanted.get(site, 0), 2**62)
            self._schedule_fill(site, delay=0)

    # The socket side, on the loop.

    def subscribe(self, site: str, subscriber: Subscriber) -> None:
        self._subscribers.setdefault(site, {})[subscriber] = None

    def unsubscribe(self, site: str, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.get(site)
        if subscribers is not None:
            subscribers.pop(subscriber, None)
            if not subscribers:
                del self._subscribers[site]

    def subscribers(self, site: str) -> list[Subscriber]:
        return list(self._subscribers.get(site, ()))

    def sites(self) -> list[str]:
        return list(self._subscribers)

    def last_seq(self, site: str) -> int | None:
        """The last seq handed to subscribers of `site` (None: nothing yet)."""
        return self._last.get(site)

    def accept(self, events: Iterable[Framed]) -> None:
        for event in sorted(events, key=lambda e: (e.site, e.seq)):
            self._take(event)

    # Ordering.

    def _take(self, event: Framed) -> None:
        site = event.site
        last = self._last.get(site)
        if last is not None and event.seq <= last:
            return
        if last is None or event.seq == last + 1:
            self._deliver(event)
            self._release(site)
            return
        held = self._held.setdefault(site, {})
        held[event.seq] = event
        if len(held) > self._max_held:
            self._skip_gap(site)
        else:
            self._schedule_fill(site, delay=self._reorder_wait)

    def _release(self, site: str) -> None:
        held = self._held.get(site)
        while held:
            following = held.pop(self._last[site] + 1, None)
            if following is None:
                # Anything held at or below `last` came twice; drop it.
                for seq in [s for s in held if s <= self._last[site]]:
                    del held[seq]
                break
            self._deliver(following)
        if not held:
            self._held.pop(site, None)
        if self._wanted.get(site, 0) <= self._last[site]:
            self._wanted.pop(site, None)
        if site not in self._held and site not in self._wanted:
            timer = self._timers.pop(site, None)
            if timer is not None:
                timer.cancel()

    def _deliver(self, event: Framed) -> None:
        self._last[event.site] = event.seq
        self.delivered += 1
        subscribers = self._subscribers.get(event.site)
        if not subscribers:
            return
        seq, frame = event.seq, event.frame
        for subscriber in list(subscribers):
            try:
                subscriber.deliver(seq, frame)
            except Exception:
                log.exception("a subscriber failed to take an event")

    def _has_gap(self, site: str) -> bool:
        last = self._last.get(site, 0)
        return bool(self._held.get(site)) or self._wanted.get(site, 0) > last

    def _schedule_fill(self, site: str, delay: float) -> None:
        loop = self._loop
        if loop is None or site in self._filling:
            return
        timer = self._timers.get(site)
        if timer is not None:
            if delay > 0:
                return
            timer.cancel()
        self._timers[site] = loop.call_later(delay, self._start_fill, site)

    def _start_fill(self, site: str) -> None:
        self._timers.pop(site, None)
        if not self._has_gap(site) or site in self._filling or self._loop is None:
            return
        if self._loader is None:
            self._skip_gap(site)
            return
        self._filling.add(site)
        task = self._loop.create_task(self._fill(site))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fill(self, site: str) -> None:
        assert self._loader is not None
        after = self._last[site]
        try:
            events = await asyncio.to_thread(self._load, site, after)
        except Exception:
            log.exception("could not read missed events of %s from the database", site)
            events = []
        finally:
            self._filling.discard(site)
        for event in events:
            self._take(event)
        if len(events) == FILL_BATCH and self._has_gap(site):
            self._schedule_fill(site, delay=0)
            return
        if self._held.get(site):
            # Still missing: the events are gone (or never committed). Move on;
            # sockets see the gap and ask for a fresh snapshot.
            self._skip_gap(site)
        self._wanted.pop(site, None)

    def _load(self, site: str, after: int) -> list[Framed]:
        assert self._loader is not None
        return [Framed.of(event) for event in self._loader(site, after, FILL_BATCH)]

    def _skip_gap(self, site: str) -> None:
        held = self._held.get(site)
        if held:
            log.warning("events of %s missing before seq %d: skipping", site, min(held))
            self._last[site] = min(held) - 1
            self._release(site)


class Tee:
    """Hand every batch of events to several buses."""

    def __init__(self, *buses: EventBus) -> None:
        self.buses = buses

    def publish(self, events: list[EventView]) -> None:
        for bus in self.buses:
            try:
                bus.publish(events)
            except Exception:
                # The command is committed already; a listener's failure must not undo its answer.
                log.exception("an event bus failed")
