"""The notifier: texts a citizen once when their ticket comes within N places of the front.

It never stands in the queue's way. It hears of changes from the event hub
after they are committed (`deliver` only marks the office to look at again),
and does its reading, writing and posting in its own task on the server's
loop, the database work in threads. What it owes and what it sent are kept
in the store (server/store/notices.py), so a restart neither loses a text nor
sends one twice: a text is marked `sending` before its POST and settled after
it; one left `sending` by a process that died is tried again, under the same
`delivery_id`, once the POST it was in can no longer be running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from antrean.tasks import cancel_and_wait
from antrean.vocabulary import TicketStatus
from server.config import ServerSettings
from server.engine.clock import local_day
from server.engine.model import Site, Ticket
from server.engine.views import SiteIndex, WaitEstimator
from server.notifier import webhook
from server.notifier.webhook import Answer, Outcome, Text
from server.realtime.hub import Hub
from server.store import notices
from server.store.database import Database
from server.store.notices import Notice, NoticeState

log = logging.getLogger(__name__)

SCAN_SECONDS = 30.0
"""Now and then every office with open notices is looked at, events or not."""
CLAIM_LIMIT = 20
"""Texts taken from the store at once; they are posted together."""
STALE_GRACE = timedelta(seconds=30)
"""A claim older than the POST timeout plus this belongs to a process that died."""
LEFT_THE_LINE = "the ticket left the line"


@dataclass(frozen=True)
class Verdict:
    notice: Notice
    state: NoticeState
    people_ahead: int = 0


class _SiteFeed:
    """The hub's subscriber for one office: a change there means "look again"."""

    def __init__(self, notifier: Notifier, site: str) -> None:
        self.notifier = notifier
        self.site = site

    def deliver(self, seq: int, frame: str) -> None:
        self.notifier.changed(self.site)


class Notifier:
    def __init__(
        self,
        settings: ServerSettings,
        db: Database,
        clock: Callable[[], datetime],
        hub: Hub,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.url = settings.notify_webhook_url
        self.db = db
        self.clock = clock
        self.hub = hub
        self._transport = transport
        self._feeds: dict[str, _SiteFeed] = {}
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return self.url is not None

    # Told from the loop: the hub's subscribers, and the ticket page.

    def changed(self, site: str) -> None:
        self._dirty.add(site)
        self._wake.set()

    def asked(self, site: str) -> None:
        """A citizen of `site` asked for a text (or changed the number)."""
        self._follow(site)
        self.changed(site)

    def _follow(self, site: str) -> None:
        if site not in self._feeds:
            feed = self._feeds[site] = _SiteFeed(self, site)
            self.hub.subscribe(site, feed)

    # Life.

    async def start(self) -> None:
        if self._task is None:
            # Without a gateway the office sends no texts: the numbers given for them go.
            work = self._run() if self.enabled else self._forget_open()
            self._task = asyncio.create_task(work, name="notifier")

    async def _forget_open(self) -> None:
        """Erase the numbers still owed a text, once the store lets us: the server
        starts whether or not its database is reachable, migrated or writable."""
        while True:
            try:
                forgotten = await asyncio.to_thread(self._end_open)
            except Exception as error:
                log.warning("the texts still owed are not erased yet (%s); trying again "
                            "shortly", type(error).__name__)
                await asyncio.sleep(SCAN_SECONDS)
                continue
            if forgotten:
                log.warning(
                    "%d text(s) asked for will not be sent (no notify_webhook_url): "
                    "their numbers are erased", forgotten,
                )
            return

    def _end_open(self) -> int:
        with self.db.reading() as work:
            if not notices.any_open(work):
                return 0  # nothing to write, on a read-only card too
        with self.db.writing() as work:
            return notices.end_open(work, self.clock(), "the office sends no texts")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        for site, feed in self._feeds.items():
            self.hub.unsubscribe(site, feed)
        self._feeds.clear()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(transport=self._transport) as client:
            next_scan = 0.0
            while True:
                try:
                    if loop.time() >= next_scan:
                        next_scan = loop.time() + SCAN_SECONDS
                        await self._scan()
                    await self._look_at_changes()
                    await self._send_due(client)
                    await self._sleep(next_scan - loop.time())
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # The store may be away for a while (a full card, a restarting
                    # PostgreSQL); what is owed is kept there, so try again later.
                    log.exception("the notifier failed; trying again shortly")
                    await asyncio.sleep(min(SCAN_SECONDS, self.settings.notify_retry_seconds))

    async def _sleep(self, longest: float) -> None:
        next_due = await asyncio.to_thread(self._next_due)
        if next_due is not None:
            longest = min(longest, (next_due - self.clock()).total_seconds())
        if longest > 0 and not self._dirty:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=longest)

    def _next_due(self) -> datetime | None:
        with self.db.reading() as work:
            return notices.next_due(work)

    async def _scan(self) -> None:
        """Follow every office with open notices; take back claims of dead processes."""
        sites = await asyncio.to_thread(self._open_sites_and_release)
        for site in sites:
            self._follow(site)
            self._dirty.add(site)

    def _open_sites_and_release(self) -> list[str]:
        now = self.clock()
        stale = timedelta(seconds=self.settings.notify_timeout_seconds) + STALE_GRACE
        with self.db.writing() as work:
            released = notices.release_stale(work, now - stale, now)
            sites = notices.sites_with_open(work)
        if released:
            log.warning("%d text(s) left half-sent by a stopped server: sending again", released)
        return sites

    # Which texts are due: one read per office that changed.

    async def _look_at_changes(self) -> None:
        while self._dirty:
            site = self._dirty.pop()
            await asyncio.to_thread(self._look_at, site)

    def _look_at(self, site_code: str) -> None:
        now = self.clock()
        with self.db.reading() as work:
            site = work.site(site_code)
            if site is None:
                return
            asked = notices.in_state(work, site.id, NoticeState.WAITING)
            if not asked:
                return
            index = SiteIndex(work, site)
            estimator = WaitEstimator(work, index, now)
            verdicts = []
            for notice in asked:
                ticket = work.ticket(notice.ticket_id)
                if not still_waiting(ticket, site, now):
                    verdicts.append(Verdict(notice, NoticeState.DROPPED))
                    continue
                assert ticket is not None
                distance = index.services[ticket.service_id].notify_ahead
                if distance is None:
                    continue
                # The people ahead as the ticket's page shows them.
                ahead, _ = estimator.for_ticket(ticket)
                if ahead <= distance:
                    verdicts.append(Verdict(notice, NoticeState.DUE, ahead))
        if not verdicts:
            return
        with self.db.writing() as work:
            for verdict in verdicts:
                # Locked: another process that read it as waiting too decides after this
                # commit, and sees it due (or sending) instead of making it due again.
                current = notices.of_ticket(work, verdict.notice.ticket_id, lock=True)
                if current is None or current.state != NoticeState.WAITING:
                    continue  # another process or the citizen got there first
                if verdict.state == NoticeState.DUE:
                    notices.make_due(work, current, verdict.people_ahead, now)
                else:
                    notices.end(work, current, NoticeState.DROPPED, now, LEFT_THE_LINE)

    # Sending.

    async def _send_due(self, client: httpx.AsyncClient) -> None:
        while True:
            batch = await asyncio.to_thread(self._claim)
            if not batch:
                return
            try:
                answers = await asyncio.gather(*(self._post(client, text) for _, text in batch))
            except asyncio.CancelledError:
                # The server is stopping mid-POST: whether the gateway got them or not,
                # they are owed again at once (under the same delivery id) after a start.
                self._put_back(batch)
                raise
            await asyncio.to_thread(self._settle, batch, list(answers))
            if len(batch) < CLAIM_LIMIT:
                return

    async def _post(self, client: httpx.AsyncClient, text: Text) -> Answer:
        assert self.url is not None
        return await webhook.post(
            client, self.url, text,
            secret=self.settings.notify_webhook_secret,
            headers=self.settings.notify_webhook_headers,
            timeout=self.settings.notify_timeout_seconds,
        )

    def _claim(self) -> list[tuple[Notice, Text]]:
        now = self.clock()
        batch = []
        with self.db.writing() as work:
            for notice in notices.claim_due(work, now, CLAIM_LIMIT):
                ticket = work.ticket(notice.ticket_id)
                site = work.site_by_id(notice.site_id)
                if not still_waiting(ticket, site, now) or not notice.phone:
                    notices.end(work, notice, NoticeState.DROPPED, now, LEFT_THE_LINE)
                    continue
                assert ticket is not None
                service = work.service(ticket.service_id)
                ahead = notice.people_ahead or 0
                link = (
                    f"{site.public_url.rstrip('/')}/t/{ticket.id}?token={ticket.token}"
                    if site.public_url else None
                )
                message = self.settings.notify_message.format(
                    code=ticket.code, service=service.name, site=site.name, ahead=ahead,
                    ahead_words=ahead_words(ahead), link=link or "",
                )
                batch.append((notice, Text(
                    delivery_id=f"antrean-{site.code}-{ticket.id}",
                    phone=notice.phone, message=message.strip(),
                    site_code=site.code, site_name=site.name,
                    ticket_id=ticket.id, ticket_code=ticket.code,
                    service_code=service.code, service_name=service.name,
                    people_ahead=ahead, status_url=link,
                    attempt=notice.attempts, created_at=now,
                )))
        return batch

    def _settle(self, batch: list[tuple[Notice, Text]], answers: list[Answer]) -> None:
        now = self.clock()
        with self.db.writing() as work:
            for (notice, text), answer in zip(batch, answers, strict=True):
                if answer.outcome is Outcome.SENT:
                    notices.end(work, notice, NoticeState.SENT, now)
                    self.sent += 1
                    log.info("text for %s sent (try %d)", text.ticket_code, notice.attempts)
                elif (
                    answer.outcome is Outcome.REFUSED
                    or notice.attempts >= self.settings.notify_max_attempts
                ):
                    notices.end(work, notice, NoticeState.FAILED, now, answer.detail)
                    self.failed += 1
                    log.warning(
                        "text for %s given up after %d tries: %s",
                        text.ticket_code, notice.attempts, answer.detail,
                    )
                else:
                    wait = self.backoff(notice.attempts)
                    notices.retry_later(work, notice, now + wait, answer.detail)
                    log.info(
                        "text for %s not sent (%s); next try in %.0f s",
                        text.ticket_code, answer.detail, wait.total_seconds(),
                    )

    def _put_back(self, batch: list[tuple[Notice, Text]]) -> None:
        now = self.clock()
        try:
            with self.db.writing() as work:
                for notice, _ in batch:
                    notices.retry_later(work, notice, now, "the server stopped while sending")
        except Exception:
            log.exception("could not put back the texts being sent; they are sent again later")

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try: doubling, capped, a little jitter
        so the texts of a whole room do not all try again in the same second."""
        first = self.settings.notify_retry_seconds
        seconds = min(self.settings.notify_retry_max_seconds, first * 2 ** (attempts - 1))
        return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def still_waiting(ticket: Ticket | None, site: Site, now: datetime) -> bool:
    """Waiting in today's line. A ticket of an earlier day may still read `waiting` until
    the office's next command expires it; its text, and the number, are over all the same."""
    return (
        ticket is not None
        and ticket.status == TicketStatus.WAITING
        and ticket.local_day == local_day(site, now)
    )


def ahead_words(ahead: int) -> str:
    """For the text, in Indonesian: 'tinggal 2 orang lagi di depan Anda'."""
    if ahead == 0:
        return "Anda berikutnya"
    return f"tinggal {ahead} orang lagi di depan Anda"
