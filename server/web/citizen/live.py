"""The ticket page's live channel: one read-only websocket per open page, for one ticket.

A citizen holds nothing but the ticket's token, so the channel gives that and
nothing more: the page sends `{"token": …, "lang": …}` as its only frame and
then only listens; anything else it sends closes the socket (4400). A wrong
ticket or token is closed with 4404 (the page stops and says the link no
longer works); a process already holding `citizen_live_max` pages answers
1013 and the page falls back to asking every 30 seconds.

Many phones may watch one office, so their cost must not grow with them.
Each office with open pages has one subscriber on the event hub. An event
marks it changed; a moment later (a burst of events gives one read) one read
transaction works out every watched ticket of the office at once
(`board.read_many`), and only the pages whose ticket changed get its new
status, worded once per language. A slow phone never holds anything up: it
has its own writer and only ever gets the newest status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.websockets import WebSocket, WebSocketDisconnect

from antrean.tasks import cancel_and_wait
from server.realtime.hub import Hub
from server.store.database import Database
from server.web.citizen.board import CitizenStatus, read_many, read_one
from server.web.citizen.words import live_words
from server.web.i18n import LANGUAGES

log = logging.getLogger(__name__)

CLOSE_BAD_FRAME = 4400
CLOSE_UNKNOWN_TICKET = 4404
CLOSE_TRY_AGAIN_LATER = 1013
FIRST_FRAME_SECONDS = 10.0
FIRST_FRAME_BYTES = 512
PAGES_PER_TICKET = 5
"""A family may follow one ticket on a few phones; a token holder may not open hundreds."""
SEND_SECONDS = 20.0
"""A phone that takes longer than this to accept one status is dropped (it reconnects)."""
SETTLE_SECONDS = 0.1
"""Events arriving this close together are read once."""
REFRESH_SECONDS = 60.0
"""Estimated waits move with time too: every watched office is read again this often."""


class Viewer:
    """One open page: the newest status waiting to go out, and the task that sends it."""

    def __init__(self, websocket: WebSocket, lang: str) -> None:
        self.websocket = websocket
        self.lang = lang
        self._latest: str | None = None
        self._ready = asyncio.Event()

    def offer(self, text: str) -> None:
        self._latest = text
        self._ready.set()

    async def write(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            text, self._latest = self._latest, None
            if text is not None:
                await asyncio.wait_for(self.websocket.send_text(text), SEND_SECONDS)


class Watched:
    """A ticket with pages open on it, and its latest status."""

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        self.viewers: set[Viewer] = set()
        self.status: CitizenStatus | None = None

    def show(self, status: CitizenStatus, now: datetime, force: bool = False) -> int:
        """Send the status to every page, worded once per language; returns pages sent to."""
        if status == self.status and not force:
            return 0
        self.status = status
        updated = now.astimezone(ZoneInfo(status.view.site_timezone))
        texts: dict[str, str] = {}
        for viewer in self.viewers:
            if viewer.lang not in texts:
                texts[viewer.lang] = json.dumps(
                    live_words(viewer.lang, status, updated), ensure_ascii=False
                )
            viewer.offer(texts[viewer.lang])
        return len(self.viewers)


class OfficeWatch:
    """The watched tickets of one office, and the hub's subscriber for it."""

    def __init__(self, watch: TicketWatch, site: str) -> None:
        self.watch = watch
        self.site = site
        self.tickets: dict[int, Watched] = {}
        self._changed: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._forced = False

    def deliver(self, seq: int, frame: str) -> None:
        """An event of the office (on the loop): note its ticket, read again shortly."""
        try:
            ticket = json.loads(frame)["event"].get("ticket") or {}
            if isinstance(ticket.get("id"), int):
                self._changed.add(ticket["id"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        self.schedule()

    def schedule(self, force: bool = False) -> None:
        self._forced = self._forced or force
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"citizen pages of {self.site}")
        else:
            self._again = True

    async def _run(self) -> None:
        try:
            await asyncio.sleep(SETTLE_SECONDS)
            while True:
                self._again = False
                try:
                    await self.refresh()
                except Exception:
                    log.exception("reading the ticket pages of %s failed", self.site)
                if not self._again:
                    break
        finally:
            self._task = None

    async def refresh(self) -> None:
        if not self.tickets:
            return
        changed, self._changed = self._changed, set()
        force, self._forced = self._forced, False
        known = {
            ticket_id: watched.status
            for ticket_id, watched in self.tickets.items()
            if watched.status is not None
        }
        now = self.watch.clock()
        found = await asyncio.to_thread(
            self.watch.read_office, self.site, list(self.tickets), known, changed, now
        )
        self.watch.reads += 1
        for ticket_id, status in found.items():
            watched = self.tickets.get(ticket_id)
            if watched is not None:
                self.watch.pushes += watched.show(status, now, force)
        if force:
            # Unchanged tickets too, so each page's "updated at" stays true.
            for ticket_id, watched in self.tickets.items():
                if ticket_id not in found and watched.status is not None:
                    self.watch.pushes += watched.show(watched.status, now, force=True)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)


class TicketWatch:
    """Every live ticket page of one server process."""

    def __init__(
        self, db: Database, clock: Callable[[], datetime], hub: Hub, max_pages: int
    ) -> None:
        self.db = db
        self.clock = clock
        self.hub = hub
        self.max_pages = max_pages
        self.offices: dict[str, OfficeWatch] = {}
        self.pages = 0
        self.reads = 0
        """Reads of an office for its pages, since start (one per burst of changes)."""
        self.pushes = 0
        """Statuses handed to pages, since start."""
        self._refresher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh(), name="citizen page refresher")

    async def stop(self) -> None:
        await cancel_and_wait(self._refresher)
        for office in list(self.offices.values()):
            await office.stop()

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            for office in list(self.offices.values()):
                office.schedule(force=True)

    def read_office(
        self,
        site_code: str,
        ticket_ids: list[int],
        known: dict[int, CitizenStatus],
        changed: set[int],
        now: datetime,
    ) -> dict[int, CitizenStatus]:
        with self.db.reading() as work:
            site = work.site(site_code)
            if site is None:
                return {}
            return read_many(work, site, ticket_ids, known, changed, now)

    def read_ticket(self, ticket_id: int, token: str) -> CitizenStatus | None:
        with self.db.reading() as work:
            return read_one(work, ticket_id, token, self.clock())

    # One page's socket.

    async def serve(self, websocket: WebSocket, ticket_id: int) -> None:
        if self.pages >= self.max_pages:
            await websocket.accept()
            await websocket.close(CLOSE_TRY_AGAIN_LATER)
            return
        self.pages += 1
        try:
            await websocket.accept()
            await self._serve(websocket, ticket_id)
        except WebSocketDisconnect:
            pass
        finally:
            self.pages -= 1

    async def _serve(self, websocket: WebSocket, ticket_id: int) -> None:
        try:
            first = await asyncio.wait_for(websocket.receive(), FIRST_FRAME_SECONDS)
        except TimeoutError:
            await websocket.close(CLOSE_BAD_FRAME)
            return
        if first["type"] == "websocket.disconnect":
            return
        token, lang = _read_first(first.get("text"))
        if token is None:
            await websocket.close(CLOSE_BAD_FRAME)
            return
        status = await asyncio.to_thread(self.read_ticket, ticket_id, token)
        if status is None:
            await websocket.close(CLOSE_UNKNOWN_TICKET)
            return
        office = self.offices.get(status.view.site)
        watched = office.tickets.get(ticket_id) if office else None
        if watched is not None and len(watched.viewers) >= PAGES_PER_TICKET:
            await websocket.close(CLOSE_TRY_AGAIN_LATER)
            return
        viewer = Viewer(websocket, lang)
        office, watched = self._add(status.view.site, ticket_id, viewer)
        writer = asyncio.create_task(viewer.write())
        try:
            if watched.status is None:
                watched.status = status
            viewer.offer(json.dumps(
                live_words(lang, status, self.clock().astimezone(
                    ZoneInfo(status.view.site_timezone))),
                ensure_ascii=False,
            ))
            office.schedule()  # whatever happened since the read above reaches the page too
            reader = asyncio.create_task(websocket.receive())
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            talked = (
                reader in done and not reader.cancelled() and reader.exception() is None
                and reader.result()["type"] != "websocket.disconnect"
            )
            if talked:
                # Read-only: a page that talks is not ours.
                with contextlib.suppress(Exception):
                    await websocket.close(CLOSE_BAD_FRAME)
            reader.cancel()
        finally:
            await cancel_and_wait(writer)
            self._remove(office, watched, viewer)

    def _add(self, site: str, ticket_id: int, viewer: Viewer) -> tuple[OfficeWatch, Watched]:
        office = self.offices.get(site)
        if office is None:
            office = self.offices[site] = OfficeWatch(self, site)
            self.hub.subscribe(site, office)
        watched = office.tickets.setdefault(ticket_id, Watched(ticket_id))
        watched.viewers.add(viewer)
        return office, watched

    def _remove(self, office: OfficeWatch, watched: Watched, viewer: Viewer) -> None:
        watched.viewers.discard(viewer)
        if not watched.viewers:
            office.tickets.pop(watched.ticket_id, None)
        if not office.tickets and self.offices.get(office.site) is office:
            del self.offices[office.site]
            self.hub.unsubscribe(office.site, office)


def _read_first(text: object) -> tuple[str | None, str]:
    """The page's one frame: its token (None if unreadable) and its language."""
    if not isinstance(text, str) or len(text) > FIRST_FRAME_BYTES:
        return None, "id"
    try:
        frame = json.loads(text)
    except ValueError:
        return None, "id"
    if not isinstance(frame, dict):
        return None, "id"
    token, lang = frame.get("token"), frame.get("lang")
    if not isinstance(token, str) or not 8 <= len(token) <= 64:
        return None, "id"
    return token, lang if lang in LANGUAGES else "id"
