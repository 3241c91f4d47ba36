"""Building the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI

from antrean import __version__
from server import healthz, metrics, supervision
from server.api import docs, errors
from server.api.direct import DirectCommands
from server.api.routes import auth, reports, sites, slides, tickets
from server.auth import SignInThrottle
from server.config import ServerSettings
from server.notifier.worker import Notifier
from server.operations import EventBus, Operations, utc_now
from server.realtime import endpoint
from server.realtime.asgi import SocketFirst
from server.realtime.hub import Tee
from server.realtime.service import Realtime, make_fanout
from server.store.database import Database
from server.threads import connections_needed, size_thread_pools
from server.web import pages, signin
from server.web.admin import routes as admin_pages
from server.web.citizen import routes as citizen
from server.web.citizen.live import TicketWatch
from server.web.console import routes as console
from server.web.dashboard import routes as dashboard
from server.web.home import routes as home
from server.web.reports import routes as report_pages
from server.web.tv import routes as tv

API_PREFIX = "/api/v1"


def create_app(
    settings: ServerSettings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    bus: EventBus | None = None,
) -> FastAPI:
    settings = settings or ServerSettings.load()
    db = Database(
        settings.database,
        pool_size=connections_needed(settings.command_threads, settings.background_threads),
    )
    hub, fanout = make_fanout(settings, db)
    operations = Operations(db, None, clock, settings.request_log_hours)
    realtime = Realtime(settings, operations, hub, fanout)
    supervisor = supervision.install(db, operations, settings)
    operations.bus = Tee(realtime.bus, supervisor.clock_watch, *([bus] if bus else []))
    # The citizen's live ticket pages and texts follow the hub, after each commit.
    ticket_watch = TicketWatch(db, clock, hub, settings.citizen_live_max)
    notifier = Notifier(settings, db, clock, hub)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Migrations, READY and the watchdog's pings: see server/supervision.py.
        size_thread_pools(
            settings.command_threads, settings.background_threads, settings.thread_switch_ms
        )
        async with supervisor.running():
            await realtime.start()
            await ticket_watch.start()
            await notifier.start()
            try:
                yield
            finally:
                await notifier.stop()
                await ticket_watch.stop()
                await realtime.stop()
                db.dispose()

    app = SocketFirst(
        title="antrean",
        version=__version__,
        description="Queue engine for Indonesian public-service offices.",
        lifespan=lifespan,
        docs_url=None,  # served by server.api.docs, with no file from outside
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.operations = operations
    app.state.realtime = realtime
    app.state.sign_in_throttle = SignInThrottle(
        settings.signin_failures_per_user,
        settings.signin_failures_per_address,
        timedelta(minutes=settings.signin_window_minutes),
    )
    app.state.supervision = supervisor
    app.state.ticket_watch = ticket_watch
    app.state.notifier = notifier
    app.state.backup_dir = settings.backups if db.is_sqlite else None
    errors.install(app)
    docs.install(app)
    app.direct_commands = DirectCommands(
        operations, metrics.install(app, realtime, supervisor).request_answered
    )
    for router in (auth.router, sites.router, tickets.router, slides.router, reports.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(citizen.router)
    pages_routers = (
        home.router,
        signin.router,
        console.router,
        admin_pages.router,
        report_pages.router,
        dashboard.router,
    )
    for page_router in pages_routers:
        app.include_router(page_router)
    pages.install(app, settings)
    app.include_router(tv.router)
    app.include_router(tv.api, prefix=API_PREFIX)
    app.mount("/tv/static", tv.static, name="tv-static")
    endpoint.install(app, realtime)
    app.include_router(healthz.router)

    return app
