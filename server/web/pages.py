"""The frame every page of the server shares: templates, static files, errors.

Each area of pages (the console, later the admin pages, the dashboard, the
reports, the TV display) keeps its templates and static files beside its
routes and registers them here with `area()`. `install(app)` then serves
every area's static files from `/static/<area>/` (nothing from a CDN: an
office may be offline) and renders templates that extend `base.html`, which
carries the language switch, the signed-in person and sign-out.

Templates get `t(key, **values)` for words in the person's language,
`number`, `percent`, `long_date` and `clock` to write figures its way, `csrf`
for their forms, `me` (the signed-in user, or None) and `static(area, file)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

import antrean
from server.api.errors import http_error
from server.config import ServerSettings
from server.web.i18n import (
    add_catalogues,
    clock,
    language,
    long_date,
    number,
    percent,
    refusal,
    translate,
)
from server.web.session import (
    CsrfRefused,
    Sessions,
    SignedIn,
    SignInRequired,
    csrf_token,
    keep_csrf_cookie,
    server_secret,
)
from server.web.static_files import shipped_files

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Area:
    name: str
    templates: Path
    static: Path


AREAS: dict[str, Area] = {}


def area(name: str, folder: Path) -> Area:
    """Register a page area whose `templates/` and `static/` live in `folder`."""
    found = AREAS.setdefault(name, Area(name, folder / "templates", folder / "static"))
    if (folder / "locales").is_dir():
        add_catalogues(folder / "locales")
    return found


area("web", HERE)

_environment: Environment | None = None


def environment() -> Environment:
    global _environment
    if _environment is None:
        loaders = [FileSystemLoader(str(a.templates)) for a in AREAS.values()]
        _environment = Environment(
            loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]),
            trim_blocks=True, lstrip_blocks=True,
        )
    return _environment


def static_url(area_name: str, file: str) -> str:
    # The version in the address lets browsers keep files until the server is updated.
    return f"/static/{area_name}/{file}?v={antrean.__version__}"


def wants_json(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    who: SignedIn | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    values = {
        "lang": lang,
        "t": partial(translate, lang),
        "refusal": partial(refusal, lang),
        "number": partial(number, lang),
        "percent": partial(percent, lang),
        "long_date": partial(long_date, lang),
        "clock": partial(clock, lang),
        "csrf": csrf_token(request, who.session if who else None),
        "me": who.user if who else None,
        "static": static_url,
        "path": request.url.path,
        **(context or {}),
    }
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    keep_csrf_cookie(request, response)
    return response


def safe_next(target: str | None, default: str = "/console") -> str:
    """Only a path on this server: never somewhere else after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def install(app: FastAPI, settings: ServerSettings) -> None:
    app.state.web_sessions = Sessions(
        partial(server_secret, settings), timedelta(hours=settings.token_hours)
    )
    for found in AREAS.values():
        if found.static.is_dir():
            app.mount(f"/static/{found.name}", shipped_files(found.static), found.name)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"error": {"code": "not_authenticated"}}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        why = "&why=expired" if exc.reason else ""
        return RedirectResponse(f"/sign-in?next={quote(target)}{why}", status_code=303)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        # A person who mistyped an address gets a page; programs keep the API's JSON.
        browser = "text/html" in request.headers.get("accept", "")
        if request.url.path.startswith("/api/") or not browser:
            return await http_error(request, exc)
        lang = language(request)
        return render(
            request, "message.html",
            {"message": translate(lang, "page_not_found"), "back": "/"}, status_code=404,
        )

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        lang = language(request)
        if wants_json(request):
            return JSONResponse(
                {"ok": False, "message": translate(lang, "form_expired")}, status_code=403
            )
        return render(
            request, "message.html",
            {"message": translate(lang, "form_expired"), "back": request.headers.get("referer")},
            status_code=403,
        )
