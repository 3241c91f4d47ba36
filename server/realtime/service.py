"""The realtime side of one server process: hub, fanout, snapshots, health and open sockets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from antrean.messages import CLOSE_NOT_AUTHENTICATED
from antrean.tasks import cancel_and_wait
from server.config import ServerSettings
from server.engine.errors import QueueError
from server.operations import EventBus, Operations
from server.realtime.health import HealthRecorder
from server.realtime.heap import quiet_collector, usual_collector
from server.realtime.hub import Hub
from server.realtime.postgres import PostgresFanout
from server.realtime.reads import load_events, read_snapshot, still_valid
from server.realtime.session import DeviceSession, refusal_message
from server.realtime.snapshots import Snapshots
from server.store import audit
from server.store.database import Database

log = logging.getLogger(__name__)

BUSY_LOG_EVERY = 10.0
REFRESH_ATTEMPTS = 3


@dataclass(frozen=True)
class ConnectedDevice:
    label: str
    device_id: int | None
    site: str
    version: str | None
    since: datetime


def make_fanout(settings: ServerSettings, db: Database) -> tuple[Hub, PostgresFanout | None]:
    """The hub, plus LISTEN/NOTIFY when several processes must share events."""
    hub = Hub(loader=partial(load_events, db))
    choice = settings.fanout
    if choice == "auto":
        choice = "memory" if db.is_sqlite else "postgres"
    if choice == "postgres":
        return hub, PostgresFanout(db, hub)
    return hub, None


class Realtime:
    def __init__(
        self,
        settings: ServerSettings,
        operations: Operations,
        hub: Hub,
        fanout: PostgresFanout | None = None,
    ) -> None:
        self.settings = settings
        self.operations = operations
        self.hub = hub
        self.fanout = fanout
        db = operations.db
        self.snapshots = Snapshots(lambda site: read_snapshot(db, site, operations.clock()), hub)
        self.health = HealthRecorder(db)
        self.sessions: set[DeviceSession] = set()
        self.awaiting_hello = 0
        """Sockets accepted whose hello is not yet checked (bounded by ws_max_pending_hellos)."""
        self.busy_refusals = 0
        self._busy_logged_at: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop_thread: int | None = None
        self._checks: set[asyncio.Task[None]] = set()
        self.refresh_rounds = 0
        self.refresh_reads = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        """The event loop it runs on (for work handed over from other threads)."""
        self.presence_listeners: list[Callable[[str], None]] = []
        """Told the office's code when one of its devices connects, leaves or reports."""
        if fanout is not None:
            fanout.on_revoked = self.device_revoked
            fanout.on_listening = self._check_access_soon
            operations.announcer = fanout

    @property
    def bus(self) -> EventBus:
        """Where Operations publishes: straight to the hub, or through PostgreSQL."""
        return self.fanout or self.hub

    def now(self) -> datetime:
        return self.operations.clock()

    def connected(self) -> list[ConnectedDevice]:
        """Who is connected to this process right now (for the admin pages)."""
        return sorted(
            (
                ConnectedDevice(
                    label=s.caller.label, device_id=s.caller.device_id, site=s.site,
                    version=s.version, since=s.connected_at,
                )
                for s in self.sessions
                if s.caller is not None and s.site is not None and s.connected_at is not None
            ),
            key=lambda c: (c.site, c.label),
        )

    def devices_at(self, site: str) -> frozenset[int]:
        """The devices of an office connected to this process (its sockets only)."""
        return frozenset(
            s.device_id for s in self.hub.subscribers(site)
            if isinstance(s, DeviceSession) and s.device_id is not None and not s.ending
        )

    def presence_changed(self, site: str) -> None:
        for listener in list(self.presence_listeners):
            try:
                listener(site)
            except Exception:
                log.exception("a presence listener failed")

    def turned_away(self) -> None:
        """A socket found every hello slot taken; say so in the log now and then, not each time."""
        self.busy_refusals += 1
        now = asyncio.get_running_loop().time()
        if self._busy_logged_at is None or now - self._busy_logged_at > BUSY_LOG_EVERY:
            self._busy_logged_at = now
            log.warning(
                "%d sockets wait for their hello (the limit): turning new ones away "
                "(%d so far)", self.awaiting_hello, self.busy_refusals,
            )

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        if self.settings.quiet_gc:
            quiet_collector()
        self.hub.attach()
        self.health.start()
        if self.fanout is not None:
            await self.fanout.start()
        self._tasks.append(asyncio.create_task(self._watch(), name="stalled socket watchdog"))
        self._tasks.append(asyncio.create_task(self._watch_offices(), name="office watch"))
        if self.settings.ws_refresh_seconds > 0:
            self._tasks.append(asyncio.create_task(self._refresh(), name="snapshot refresher"))
        if self.fanout is None:
            # No LISTEN/NOTIFY to hear revocations from the command line or another
            # process: look for them among the open sockets' tokens, cheaply and often.
            self._tasks.append(asyncio.create_task(self._watch_access(), name="access watch"))

    async def stop(self) -> None:
        self.loop = None
        await cancel_and_wait(*self._tasks, *self._checks)
        self._tasks.clear()
        if self.fanout is not None:
            await self.fanout.stop()
        await self.health.stop()
        self.hub.detach()
        if self.settings.quiet_gc:
            usual_collector()

    async def _watch(self) -> None:
        """Drop sockets that have not taken a frame for `ws_send_timeout` seconds."""
        loop = asyncio.get_running_loop()
        period = min(1.0, self.settings.ws_send_timeout / 4)
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            for session in [s for s in self.sessions if s.stalled(now)]:
                session.drop()

    async def _refresh(self) -> None:
        """Now and then every socket gets a fresh snapshot (opening hours, waits, the clock),
        and the open sockets' tokens are checked once more, in case a notice was lost.

        The work is spread out, one office at a time, so a round is never a burst:
        one token query for the whole process, then one snapshot read per office,
        shared by all its sockets; at most `ws_refresh_reads_per_second` of them,
        so a city of thousands of offices takes longer rounds rather than more CPU.
        """
        period = self.settings.ws_refresh_seconds
        # Processes started together should not refresh together.
        await asyncio.sleep(period * random.uniform(0.1, 1.0))
        while True:
            started = asyncio.get_running_loop().time()
            try:
                await self.refresh_round(pace=period)
            except Exception:
                log.exception("refreshing the sockets failed")
            spent = asyncio.get_running_loop().time() - started
            await asyncio.sleep(max(0.0, period * random.uniform(0.9, 1.1) - spent))

    async def refresh_round(self, pace: float = 0.0) -> None:
        """Check every token (one query), then send each office's sockets one fresh
        snapshot; with `pace`, the offices are spread over that many seconds (or more,
        at the most reads per second allowed)."""
        await self.check_access()
        # The offices with device sockets here (the hub also serves live pages and texts).
        sites = list(dict.fromkeys(s.site for s in self.sessions if s.site is not None))
        gap = 0.0
        if pace and sites:
            gap = max(pace / len(sites), 1 / self.settings.ws_refresh_reads_per_second)
        for site in sites:
            await self.refresh_site(site)
            self.refresh_reads += 1
            if gap:
                await asyncio.sleep(gap)
        self.refresh_rounds += 1

    async def refresh_site(self, site: str) -> None:
        """One snapshot read for the office, the same frame to every socket watching it."""
        for _ in range(REFRESH_ATTEMPTS):
            shared = await self.snapshots.fresh(site)
            last = self.hub.last_seq(site)
            if last is not None and last > shared.seq:
                # An event newer than the read has gone out already: a socket that
                # took it must not step back. Read again.
                continue
            if not self.snapshots.current(site, shared):
                continue  # the office's set-up changed during the read
            frame = shared.frame("refresh")
            for subscriber in self.hub.subscribers(site):
                if isinstance(subscriber, DeviceSession):
                    subscriber.refreshed(shared.seq, frame)
            return
        log.info("office %s too busy to refresh this round; its sockets get deltas", site)

    def office_changed(self, site: str) -> None:
        """An office's set-up changed: every socket of that office gets a fresh snapshot
        (a new service on the kiosk, a retired counter gone from the wall) at once.
        Called from any thread (a page's change runs in a worker thread)."""
        loop = self.loop
        if loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            self._refresh_office(site)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody listens
                loop.call_soon_threadsafe(self._refresh_office, site)

    def _refresh_office(self, site: str) -> None:
        """One read for the office (the first socket's writer starts it, the others share
        it), the same frame to all; nothing read before the change goes out after it."""
        self.snapshots.forget(site)
        for subscriber in self.hub.subscribers(site):
            if isinstance(subscriber, DeviceSession) and not subscriber.ending:
                subscriber.outbox.want_snapshot("refresh", replacing=True)

    async def _watch_offices(self) -> None:
        """Follow the audit log: each change to an office's set-up, wherever it was
        made (these pages, another server process, `antrean office apply`), leaves an
        entry there; one small query a period, whatever the number of sockets."""
        db = self.operations.db
        seen: int | None = None
        failing = False
        while True:
            try:
                if seen is None:
                    seen = await asyncio.to_thread(_latest_audit_id, db)
                else:
                    changed = await asyncio.to_thread(_offices_changed_after, db, seen)
                    for code, newest in changed.items():
                        seen = max(seen, newest)
                        self._refresh_office(code)
                failing = False
            except Exception:
                # A database not ready yet, or gone for a while: said once, tried again.
                if not failing:
                    log.warning("cannot look for office changes yet", exc_info=True)
                failing = True
            await asyncio.sleep(self.settings.office_watch_seconds)

    async def check_access(self) -> list[DeviceSession]:
        """Close the sockets whose token no longer works; returns the others."""
        sessions = [s for s in self.sessions if s.token is not None and not s.ending]
        if not sessions:
            return []
        verdicts = await asyncio.to_thread(
            still_valid, self.operations.db, [s.token or "" for s in sessions], self.now()
        )
        kept = []
        for session, refusal in zip(sessions, verdicts, strict=True):
            if refusal is None:
                kept.append(session)
            else:
                self._close(session, refusal)
        return kept

    def device_revoked(self, device_id: int) -> None:
        """A device was revoked (heard through NOTIFY): cut off its sockets now."""
        for session in [s for s in self.sessions if s.device_id == device_id]:
            self._close(session, QueueError("device_revoked"))

    def _close(self, session: DeviceSession, refusal: QueueError) -> None:
        if not session.ending:
            log.info("closing %s: %s", session.who(), refusal.code)
            session.end(refusal_message(refusal), CLOSE_NOT_AUTHENTICATED)

    def _check_access_soon(self) -> None:
        task = asyncio.create_task(self._checked())
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    async def _checked(self) -> None:
        try:
            await self.check_access()
        except Exception:
            log.exception("checking the sockets' tokens failed")

    async def _watch_access(self) -> None:
        period = self.settings.ws_access_check_seconds
        while True:
            await asyncio.sleep(period)
            await self._checked()


def _latest_audit_id(db: Database) -> int:
    with db.reading() as work:
        return audit.latest_id(work)


def _offices_changed_after(db: Database, entry_id: int) -> dict[str, int]:
    """Codes of the offices changed after an audit entry, with each one's newest entry."""
    with db.reading() as work:
        changed = audit.sites_changed_after(work, entry_id)
        return {work.site_by_id(site_id).code: newest for site_id, newest in changed.items()}
