"""Building the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI

from antrean import __version__
from server import healthz, metrics, supervision
from server.api import docs, errors
from server.api.routes import auth, sites, tickets
from server.auth import SignInThrottle
from server.config import ServerSettings
from server.operations import EventBus, Operations, utc_now
from server.realtime import endpoint
from server.realtime.hub import Tee
from server.realtime.service import Realtime, make_fanout
from server.store.database import Database
from server.web import pages, signin, status
from server.web.console import routes as console
from server.web.tv import routes as tv

API_PREFIX = "/api/v1"


def create_app(
    settings: ServerSettings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    bus: EventBus | None = None,
) -> FastAPI:
    settings = settings or ServerSettings.load()
    db = Database(settings.database)
    hub, fanout = make_fanout(settings, db)
    operations = Operations(db, None, clock, settings.request_log_hours)
    realtime = Realtime(settings, operations, hub, fanout)
    supervisor = supervision.install(db, operations, settings)
    operations.bus = Tee(realtime.bus, supervisor.clock_watch, *([bus] if bus else []))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Migrations, READY and the watchdog's pings: see server/supervision.py.
        async with supervisor.running():
            await realtime.start()
            try:
                yield
            finally:
                await realtime.stop()
                db.dispose()

    app = FastAPI(
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
    app.state.backup_dir = settings.backups if db.is_sqlite else None
    errors.install(app)
    docs.install(app)
    metrics.install(app, realtime, supervisor)
    for router in (auth.router, sites.router, tickets.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(status.router)
    for page_router in (signin.router, console.router):
        app.include_router(page_router)
    pages.install(app, settings)
    app.include_router(tv.router)
    app.include_router(tv.api, prefix=API_PREFIX)
    app.mount("/tv/static", tv.static, name="tv-static")
    app.include_router(endpoint.router)
    app.include_router(healthz.router)

    return app
