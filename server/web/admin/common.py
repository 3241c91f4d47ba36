"""What every admin page shares: who may see it, the office it is about, its frame.

Every page needs a signed-in admin; a page about one office needs the right to
administer that office (`server.permissions`), so an admin of one kelurahan
sees and changes that kelurahan only. Changes to an office's set-up go
through `apply_office`, as an office file does, inside `Operations.run` so the
events a change makes (a retired counter closing) reach the devices, and the
office's devices get a fresh snapshot at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from antrean.vocabulary import Role
from server.audit import Author
from server.engine.errors import QueueError
from server.engine.model import Site
from server.office.apply import apply_office, stored_office
from server.office.changes import Change
from server.office.file import OfficeFile
from server.operations import Operations, Outcome
from server.permissions import Action, Caller, allowed, authorize, may_administer_everything
from server.store.unit_of_work import UnitOfWork
from server.web.i18n import language, refusal, translate
from server.web.pages import area, render
from server.web.session import SignedIn, check_csrf, signed_in, with_flash

P = ParamSpec("P")
T = TypeVar("T")
HERE = Path(__file__).parent
area("admin", HERE)

SECTIONS = (
    ("office", "admin_section_office", ""),
    ("services", "admin_section_services", "/services"),
    ("counters", "admin_section_counters", "/counters"),
    ("announcements", "admin_section_announcements", "/announcements"),
    ("slides", "admin_section_slides", "/slides"),
    ("devices", "admin_section_devices", "/devices"),
    ("file", "admin_section_file", "/file"),
)


@dataclass(frozen=True)
class SiteChoice:
    code: str
    name: str


def operations_of(request: Request) -> Operations:
    found: Operations = request.app.state.operations
    return found


def admin(request: Request) -> SignedIn:
    """The signed-in person, who must be an admin (of some office at least)."""
    who = signed_in(request)
    if who.caller.role is not Role.ADMIN:
        raise QueueError("forbidden")
    return who


def administered_sites(work: UnitOfWork, caller: Caller) -> list[Site]:
    return [s for s in work.sites() if allowed(caller, Action.ADMINISTER, s.id)]


def site_to_administer(work: UnitOfWork, caller: Caller, code: str) -> Site:
    site = work.site(code)
    if site is None:
        raise QueueError("site_not_found", {"site": code})
    authorize(caller, Action.ADMINISTER, site.id)
    return site


def author(who: SignedIn) -> Author:
    return Author(who.user.username, "web", who.user.id)


def page(
    request: Request,
    who: SignedIn,
    template: str,
    context: dict[str, Any],
    *,
    site: Site | None = None,
    section: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """An admin page in its frame: the offices this admin may pick, the office's
    sections, and the one-line message left by the last change (shown once)."""
    operations = operations_of(request)
    with operations.db.reading() as work:
        sites = [SiteChoice(s.code, s.name) for s in administered_sites(work, who.caller)]
    values = {
        "sites": sites,
        "site": site,
        "section": section,
        "sections": SECTIONS,
        "everything": may_administer_everything(who.caller),
        "flash": who.session.flash,
        **context,
    }
    response = render(request, template, values, who=who, status_code=status_code)
    if who.session.flash:
        with_flash(request, response, who.session, "")
    return response


def done(request: Request, who: SignedIn, target: str, message: str) -> Response:
    """After a change: back to a page, which says what was done."""
    response = RedirectResponse(target, status_code=303)
    with_flash(request, response, who.session, message)
    return response


def refused_page(request: Request, error: QueueError) -> Response:
    """A page this person may not see, or an office that does not exist."""
    lang = language(request)
    try:
        who: SignedIn | None = signed_in(request)
    except Exception:
        who = None
    words = (
        translate(lang, "not_allowed_page") if error.code == "forbidden"
        else refusal(lang, error.code)
    )
    return render(
        request, "message.html", {"message": words, "back": "/admin"}, who=who,
        status_code=error.status,
    )


async def form_of(request: Request, who: SignedIn) -> dict[str, Any]:
    """The posted form, its CSRF token checked."""
    data = await request.form()
    values: dict[str, Any] = {}
    for key, value in data.multi_items():
        if key in values:
            existing = values[key]
            values[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[key] = value
    check_csrf(request, who.session, values.get("csrf"))
    return values


def change_office(
    request: Request,
    who: SignedIn,
    site_code: str,
    build: Callable[[OfficeFile], OfficeFile],
) -> list[Change]:
    """Change an office through `apply_office`: `build` makes the wanted office from
    the stored one (raising FormErrors or a ValidationError when it cannot)."""
    operations = operations_of(request)
    made: list[Change] = []

    def work(unit: UnitOfWork, now: Any) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        wanted = build(stored_office(unit, site))
        made[:] = apply_office(unit, wanted, author(who), now)
        return Outcome(200, None)

    operations.run(who.caller, None, work)
    if made:
        office_changed(request, site_code)
    return made


def office_changed(request: Request, site_code: str) -> None:
    realtime = getattr(request.app.state, "realtime", None)
    if realtime is not None:
        realtime.office_changed(site_code)


async def in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Database work off the event loop, from a page that read its form first."""
    return await run_in_threadpool(function, *args, **kwargs)
