"""The server left alone for years: ready for systemd, its watchdog fed from the
event loop, a database that is not there yet waited for, and what is wrong said.

A server that cannot reach its database at start (PostgreSQL still booting on
another machine, a card remounted read-only, a full disk) does not exit to be
restarted every two seconds by systemd: it starts, says what is wrong in
`systemctl status`, the journal, /healthz and the metrics, and tries again
every half minute until it works.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from antrean.systemd import service_running, status
from antrean.tasks import cancel_and_wait
from server.clock_watch import ClockWatch
from server.config import ServerSettings
from server.operations import Operations
from server.storage_watch import StorageWatch
from server.store.database import Database
from server.store.errors import DatabaseUnavailable
from server.store.migrate import upgrade

log = logging.getLogger(__name__)

NOT_READY_ERRORS = (DatabaseUnavailable, OSError)
"""What a database that is not there yet (or cannot be written) raises: wait, don't exit."""


class Supervision:
    def __init__(
        self,
        db: Database,
        operations: Operations,
        clock_watch: ClockWatch,
        storage: StorageWatch,
        *,
        interval: float = 30.0,
    ) -> None:
        self.db = db
        self.operations = operations
        self.clock_watch = clock_watch
        self.storage = storage
        self.interval = interval
        self.started_at = time.monotonic()
        self.database_ready = False
        self.database_problem: str | None = None
        self._reported: tuple[str, ...] | None = None

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_at

    def problems(self) -> list[str]:
        found = [self.database_problem, self.storage.problem(), self.clock_watch.problem()]
        return [problem for problem in found if problem]

    def status_line(self) -> str:
        problems = self.problems()
        return "; ".join(problems) if problems else "serving"

    # Start-up, and again while the database is not ready.

    def prepare(self) -> bool:
        """Migrations and the clock's last event (required), old request ids (tidying)."""
        try:
            upgrade(self.db)
            self.clock_watch.load(self.db)
        except NOT_READY_ERRORS as error:
            self.database_problem = f"the database is not ready: {_one_line(error)}"
            return False
        self.database_ready = True
        self.database_problem = None
        try:
            self.operations.forget_old_requests()
        except NOT_READY_ERRORS as error:
            log.warning("could not forget old request ids (tried again at the next start): %s",
                        _one_line(error))
        return True

    def look(self) -> None:
        if not self.database_ready:
            self.prepare()
        self.storage.look()
        self._report()

    def _report(self) -> None:
        problems = tuple(self.problems())
        if problems == self._reported:
            return
        for problem in problems:
            log.error("%s", problem)
        if not problems and self._reported:
            log.info("all is well again")
        status(self.status_line())
        self._reported = problems

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self.look)
            except Exception:
                log.exception("looking at the server's state failed")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Prepare (without giving up), then READY and watchdog pings until the server stops."""
        await asyncio.to_thread(self.look)
        watch = asyncio.create_task(self._watch(), name="server supervision")
        try:
            async with service_running(self.status_line()):
                yield
        finally:
            await cancel_and_wait(watch)


def _one_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    text = " ".join(str(cause).split())
    return text[:300] or type(cause).__name__


def install(db: Database, operations: Operations, settings: ServerSettings) -> Supervision:
    """The watches, attached to the operations; the caller adds the clock watch to the bus."""
    interval = settings.health_check_seconds
    clock_watch = ClockWatch(operations.clock, enabled=settings.clock_check)
    storage = StorageWatch(db, interval)
    operations.watches.extend([clock_watch, storage])
    return Supervision(db, operations, clock_watch, storage, interval=interval)
