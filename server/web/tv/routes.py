"""The browser wall's pages: pairing, the wall itself, its sounds and font.

Everything the page uses is served from here (no CDN, no build step): the
script and style under /tv/static, the DejaVu font from Debian's package, and
each call's WAV rendered by the server's own voice. The browser proves it is
a display with the device token kept in an HttpOnly cookie set at pairing;
no credential ever appears in a URL.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from antrean.messages import WEBSOCKET_PATH
from antrean.protocol import PROTOCOL_VERSION
from antrean.voice import SoundMode
from server.api.deps import CallerDep, NowDep, OperationsDep
from server.engine.errors import QueueError
from server.permissions import Action, authorize
from server.realtime.reads import read_snapshot
from server.web.static_files import shipped_files
from server.web.tv.pairing import (
    PAIRING_MINUTES,
    TvOptions,
    claim,
    create_pairing,
    screen_for,
    shown_code,
)
from server.web.tv.sound import TvVoices

HERE = Path(__file__).parent
COOKIE = "antrean_tv"
COOKIE_YEARS = 5
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"))
FONTS = {"bold": "DejaVuSans-Bold.ttf", "condensed": "DejaVuSansCondensed-Bold.ttf"}

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["displays"])
static = shipped_files(HERE / "static")


def _template(name: str) -> Template:
    return Template((HERE / "templates" / name).read_text(encoding="utf-8"))


def _voices(request: Request) -> TvVoices:
    state = request.app.state
    voices: TvVoices | None = getattr(state, "tv_voices", None)
    if voices is None:
        voices = TvVoices(state.settings.data_dir / "voice-cache")
        state.tv_voices = voices
    return voices


# Pairing.


@router.get("/tv/pair", response_class=HTMLResponse)
def pair_form(code: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    return HTMLResponse(_pair_page(code))


@router.post("/tv/pair")
def pair(
    request: Request,
    operations: OperationsDep,
    now: NowDep,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        with operations.db.writing() as work:
            _, token = claim(work, code, now)
    except QueueError:
        return HTMLResponse(
            _pair_page(code, "Kode tidak dikenal, sudah dipakai, atau kedaluwarsa. "
                             "Minta kode baru kepada admin."),
            status_code=400,
        )
    answer = RedirectResponse("/tv/", status_code=303)
    answer.set_cookie(
        COOKIE, token, max_age=COOKIE_YEARS * 365 * 24 * 3600, path="/tv", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )
    return answer


@router.post("/tv/unpair")
def unpair() -> Response:
    answer = RedirectResponse("/tv/pair", status_code=303)
    answer.delete_cookie(COOKIE, path="/tv")
    return answer


def _pair_page(code: str, problem: str = "") -> str:
    return _template("pair.html").substitute(
        code=escape(code), problem=f'<p class="problem">{escape(problem)}</p>' if problem else "",
        minutes=PAIRING_MINUTES,
    )


class PairingRequest(TvOptions):
    name: str | None = None


class PairingAnswer(TvOptions):
    code: str
    link: str
    expires_at: datetime
    name: str


@api.post("/sites/{site}/display-pairings", status_code=201)
def make_pairing(
    site: str, body: PairingRequest, request: Request, caller: CallerDep,
    operations: OperationsDep, now: NowDep,
) -> PairingAnswer:
    """A one-time code (and link) that pairs a browser as this office's display."""
    options = TvOptions.model_validate(body.model_dump(exclude={"name"}))
    with operations.db.writing() as work:
        found = work.site(site)
        if found is None:
            raise QueueError("site_not_found", {"site": site})
        authorize(caller, Action.ADMINISTER, found.id)
        pairing, code = create_pairing(work, site, now, body.name, options)
        base = found.public_url or str(request.base_url)
    return PairingAnswer(
        **options.model_dump(), code=shown_code(code), name=pairing.name,
        link=pairing_link(base, code), expires_at=pairing.expires_at,
    )


def pairing_link(base_url: str, code: str) -> str:
    """The link to open on the TV: the code is one-time and pairs a display, nothing more."""
    return f"{base_url.rstrip('/')}/tv/pair?code={shown_code(code)}"


# The wall.


@router.get("/tv", include_in_schema=False)
def wall_slash() -> Response:
    return RedirectResponse("/tv/", status_code=307)


@router.get("/tv/", response_class=HTMLResponse)
def wall(
    operations: OperationsDep,
    now: NowDep,
    token: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> Response:
    if not token:
        return RedirectResponse("/tv/pair", status_code=303)
    try:
        with operations.db.reading() as work:
            _, site, options = screen_for(work, token, now)
            site_code, site_name = site.code, site.name
    except QueueError as refusal:
        answer = HTMLResponse(_refused_page(refusal), status_code=refusal.status)
        if refusal.code in ("not_authenticated", "device_revoked"):
            answer.delete_cookie(COOKIE, path="/tv")
        return answer
    snapshot = read_snapshot(operations.db, site_code, now)
    config: dict[str, Any] = {
        "protocol": PROTOCOL_VERSION,
        "socket": WEBSOCKET_PATH,
        "site": site_code,
        "options": options.model_dump(mode="json"),
    }
    page = _template("wall.html").substitute(
        title=escape(options.title or site_name),
        token=escape(token),
        config=_json_for_script(config),
        snapshot=_json_for_script(snapshot.model_dump(mode="json")),
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(page, headers=headers)


def _json_for_script(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026"
    )


def _refused_page(refusal: QueueError) -> str:
    reason = refusal.reason
    return _template("refused.html").substitute(
        message=escape(reason.id), code=escape(refusal.code)
    )


@router.get("/tv/sound/call.wav")
def call_sound(
    request: Request,
    operations: OperationsDep,
    now: NowDep,
    code: Annotated[str, Query(pattern=r"^[A-Za-z]{0,3}[0-9]{0,4}$", min_length=1)],
    counter: Annotated[int, Query(ge=1, le=999)],
    service: Annotated[str, Query(pattern=r"^[A-Za-z]{0,3}$")] = "",
    token: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> Response:
    if not token:
        raise QueueError("not_authenticated")
    with operations.db.reading() as work:
        _, site, options = screen_for(work, token, now)
        site_code = site.code
    names = {s.code: s.name for s in read_snapshot(operations.db, site_code, now).services}
    path = _voices(request).call(
        code.upper(), counter, options.wording,
        options.sound if options.sound is not SoundMode.OFF else SoundMode.CHIME,
        options.closing_chime, names, service.upper(),
    )
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "max-age=3600"})


@router.get("/tv/font/{name}.ttf")
def font(name: str) -> Response:
    file = FONTS.get(name)
    for folder in FONT_DIRS:
        if file and (folder / file).is_file():
            return FileResponse(folder / file, media_type="font/ttf",
                                headers={"Cache-Control": "max-age=86400"})
    return Response(status_code=404)  # the page falls back to the TV's own sans-serif
