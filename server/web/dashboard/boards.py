"""The live dashboards of one server process: one computation per office per change.

Each office someone watches has a `Board`. It hears the office's events from
the hub (as a subscriber, like a device socket) and its devices' comings and
goings from the realtime side; a change marks it stale, and after a short
pause (changes in a burst are computed once) it computes the office's
picture (`view.compute`, one reading transaction) and tells its watchers.
Each watcher's page is then rendered once per language and version and the
same text goes to every watcher of that language: a hundred open dashboards
cost the server what one does, plus the sending.

Without any event a board looks again when the oldest waiting citizen of a
service would pass its target, and every `REFRESH` seconds (estimated waits,
devices gone quiet). A board nobody watches stops listening.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.realtime.service import Realtime
from server.store.database import Database
from server.web.dashboard.view import Presence, SiteView, compute

log = logging.getLogger(__name__)

PAUSE = 0.2
"""Seconds to wait after a change for the rest of its burst."""
REFRESH = 30.0
Renderer = Callable[[SiteView, str], str]


class Watcher:
    """One open dashboard: told which office changed, reads its rendering."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.changed: asyncio.Queue[str] = asyncio.Queue()


class Board:
    def __init__(self, boards: Boards, site: str) -> None:
        self.boards = boards
        self.site = site
        self.watchers: set[Watcher] = set()
        self.view: SiteView | None = None
        self.version = 0
        self._html: dict[str, tuple[int, str]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False

    # The hub's side: any event of the office.
    def deliver(self, seq: int, frame: str) -> None:
        self.stale()

    def stale(self, delay: float = PAUSE) -> None:
        if self._task is not None:
            self._again = True
            return
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            # Already due soon enough (a burst), or only a later look: bring it forward.
            if self._timer.when() <= loop.time() + delay:
                return
            self._timer.cancel()
        self._timer = loop.call_later(delay, self._start)

    def _start(self) -> None:
        self._timer = None
        self._task = asyncio.get_running_loop().create_task(self._compute())

    async def _compute(self) -> None:
        try:
            view = await asyncio.to_thread(self.boards.compute, self.site)
        except Exception:
            log.exception("could not compute the dashboard of %s", self.site)
            view = None
        finally:
            self._task = None
        if view is not None:
            self.view = view
            self.version += 1
            for watcher in self.watchers:
                watcher.changed.put_nowait(self.site)
        if self._again:
            self._again = False
            self.stale()
        elif self.watchers:
            self._schedule_next(view)

    def _schedule_next(self, view: SiteView | None) -> None:
        wait = REFRESH
        if view is not None and view.next_check is not None:
            until = (view.next_check - self.boards.clock()).total_seconds() + 0.2
            wait = max(0.05, min(wait, until))
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(wait, self._start)

    async def ready(self) -> SiteView:
        """The current picture, computing it first if there is none yet."""
        while self.view is None:
            if self._task is None and self._timer is None:
                self.stale(0)
            await asyncio.sleep(0.02)
        return self.view

    def html(self, lang: str) -> str:
        """The office's panel in this language, rendered once per version."""
        kept = self._html.get(lang)
        if kept is None or kept[0] != self.version:
            assert self.view is not None
            kept = (self.version, self.boards.render(self.view, lang))
            self._html[lang] = kept
        return kept[1]

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Boards:
    def __init__(self, db: Database, clock: Callable[[], datetime], realtime: Realtime,
                 render: Renderer) -> None:
        self.db = db
        self.clock = clock
        self.realtime = realtime
        self.render = render
        self.boards: dict[str, Board] = {}
        self.computations = 0
        """How many pictures were computed: per office and change, not per watcher."""
        self._connected: dict[str, frozenset[int]] = {}
        self._left: dict[str, dict[int, datetime]] = {}
        realtime.presence_listeners.append(self.presence_changed)

    def compute(self, site: str) -> SiteView:
        """One office's picture (run in a worker thread)."""
        self.computations += 1
        with self.db.reading() as work:
            return compute(work, site, self.clock(), self._presence(site))

    def _presence(self, site: str) -> Presence:
        connected = self._connected_now(site)
        reports = self.realtime.health.latest
        # Only a device connected here has a report newer than the stored one (view.py).
        latest: dict[int, Any] = {
            device_id: health.model_dump(mode="json")
            for device_id in connected
            if (health := reports.get(device_id)) is not None
        }
        return Presence(connected, dict(self._left.get(site, {})), latest)

    def _connected_now(self, site: str) -> frozenset[int]:
        return self.realtime.devices_at(site)

    def presence_changed(self, site: str) -> None:
        # Every connect, leave and health report of the process comes here: with thousands
        # of sockets, only an office someone watches is worth a look.
        if site not in self.boards:
            return
        now = self.clock()
        before = self._connected.get(site, frozenset())
        after = self._connected_now(site)
        left = self._left.setdefault(site, {})
        for device_id in before - after:
            left[device_id] = now
        for device_id in after:
            left.pop(device_id, None)
        self._connected[site] = after
        board = self.boards.get(site)
        if board is not None:
            board.stale()

    def watch(self, site: str, watcher: Watcher) -> Board:
        board = self.boards.get(site)
        if board is None:
            board = self.boards[site] = Board(self, site)
            self._connected[site] = self._connected_now(site)
            self.realtime.hub.subscribe(site, board)
            board.stale(0)
        board.watchers.add(watcher)
        return board

    def unwatch(self, site: str, watcher: Watcher) -> None:
        board = self.boards.get(site)
        if board is None:
            return
        board.watchers.discard(watcher)
        if not board.watchers:
            self.realtime.hub.unsubscribe(site, board)
            board.close()
            del self.boards[site]
            # Not followed while nobody watches: a board opened later starts afresh.
            self._connected.pop(site, None)
            self._left.pop(site, None)
