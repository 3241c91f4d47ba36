"""Building the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from antrean import __version__
from server.api import errors
from server.api.routes import auth, sites, tickets
from server.config import ServerSettings
from server.operations import EventBus, Operations, utc_now
from server.realtime import endpoint
from server.realtime.hub import Tee
from server.realtime.service import Realtime, make_fanout
from server.store.database import Database
from server.store.migrate import upgrade
from server.web import status
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
    operations.bus = realtime.bus if bus is None else Tee(realtime.bus, bus)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade(db)
        operations.forget_old_requests()
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
    )
    app.state.settings = settings
    app.state.operations = operations
    app.state.realtime = realtime
    errors.install(app)
    for router in (auth.router, sites.router, tickets.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(status.router)
    app.include_router(tv.router)
    app.include_router(tv.api, prefix=API_PREFIX)
    app.mount("/tv/static", tv.static, name="tv-static")
    app.include_router(endpoint.router)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
