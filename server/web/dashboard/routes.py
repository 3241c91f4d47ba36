"""The supervisors' live dashboard: every office they may see, side by side.

The page is rendered whole on the server; a websocket (`/dashboard/live`)
then sends each office's panel again whenever it changes, rendered once per
office, change and language for all watchers (`boards.py`). Times that run
(how long a citizen has waited, how long a counter has served) tick in the
browser from the moments in the page, so they cost the server nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from functools import partial
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request, WebSocket
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from server.web.dashboard.boards import Boards, Watcher
from server.web.dashboard.view import SiteView
from server.web.i18n import clock, language, number, translate
from server.web.pages import area, environment, render
from server.web.reports import views
from server.web.session import SignInRequired, signed_in

router = APIRouter(include_in_schema=False)
area("dashboard", Path(__file__).parent)

SESSION_CHECK_SECONDS = 60.0
CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403


def boards_of(app: FastAPI) -> Boards:
    found: Boards | None = getattr(app.state, "dashboard_boards", None)
    if found is None:
        operations = app.state.operations
        found = Boards(operations.db, operations.clock, app.state.realtime, render_panel)
        app.state.dashboard_boards = found
    return found


def panel_context(view: SiteView, lang: str) -> dict[str, Any]:
    return {
        "lang": lang, "t": partial(translate, lang), "number": partial(number, lang),
        "clock": partial(clock, lang), "site": view,
    }


def render_panel(view: SiteView, lang: str) -> str:
    return environment().get_template("dashboard/_site.html").render(panel_context(view, lang))


def _chosen(request: Request | WebSocket, who_caller: Any) -> list[str]:
    operations = request.app.state.operations
    sites = views.visible_sites(operations.db, who_caller)
    wanted = request.query_params.get("sites", "")
    codes = [s.code for s in sites]
    if wanted:
        asked = [code for code in wanted.split(",") if code]
        codes = [code for code in asked if code in codes]
    return codes


@router.get("/dashboard")
async def page(request: Request) -> Response:
    who = await run_in_threadpool(signed_in, request)
    codes = await run_in_threadpool(_chosen, request, who.caller)
    boards = boards_of(request.app)
    lang = language(request)
    panels = []
    for code in codes:
        board = boards.boards.get(code)
        view = board.view if board is not None and board.view is not None else None
        if view is None:
            view = await asyncio.to_thread(boards.compute, code)
        panels.append(render_panel(view, lang))
    return render(request, "dashboard/page.html", {
        "panels": panels, "codes": codes, "live_query": ",".join(codes),
    }, who=who)


def _same_origin(websocket: WebSocket) -> bool:
    """A page of this server, not another site riding on the person's cookie."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


@router.websocket("/dashboard/live")
async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    request = cast(Request, websocket)  # the session reads cookies and app state alike
    try:
        who = await run_in_threadpool(signed_in, request)
    except SignInRequired:
        await websocket.close(CLOSE_SIGNED_OUT, "sign_in")
        return
    if not _same_origin(websocket):
        await websocket.close(CLOSE_FORBIDDEN, "origin")
        return
    codes = await run_in_threadpool(_chosen, websocket, who.caller)
    boards = boards_of(websocket.app)
    watcher = Watcher(language(request))
    watched = {code: boards.watch(code, watcher) for code in codes}
    try:
        for code, board in watched.items():
            await board.ready()
            watcher.changed.put_nowait(code)
        sender = asyncio.create_task(_send(websocket, watcher, watched))
        checker = asyncio.create_task(_keep_checking(request))
        receiver = asyncio.create_task(_until_closed(websocket))
        done, pending = await asyncio.wait(
            {sender, checker, receiver}, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if checker in done and not checker.cancelled() and checker.exception() is None:
            with contextlib.suppress(Exception):
                await websocket.close(CLOSE_SIGNED_OUT, "sign_in")
    finally:
        for code in watched:
            boards.unwatch(code, watcher)


async def _send(websocket: WebSocket, watcher: Watcher, watched: dict[str, Any]) -> None:
    while True:
        code = await watcher.changed.get()
        board = watched[code]
        message = {"site": code, "version": board.version, "html": board.html(watcher.lang)}
        await websocket.send_text(json.dumps(message))


async def _keep_checking(request: Request) -> None:
    """A person who signed out (or was switched off) stops receiving within a minute."""
    while True:
        await asyncio.sleep(SESSION_CHECK_SECONDS)
        try:
            await run_in_threadpool(signed_in, request)
        except SignInRequired:
            return


async def _until_closed(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
