"""The officer's console: pick a counter, then work it from the browser.

Every page needs a signed-in person who may work that counter
(`server.permissions`); every action is a form with its CSRF token and goes
through `Operations.execute`, exactly as the REST API and the keypads do.
With JavaScript the page stays live over the websocket (console.js asks for
fresh parts of the page when the socket says something changed) and actions
are sent without reloading; without it, each action reloads the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, RedirectResponse, Response

from antrean.protocol import (
    PROTOCOL_VERSION,
    CallNextCommand,
    CallTicketCommand,
    Command,
    CounterStateCommand,
    SiteCode,
    TicketCommand,
    TransferCommand,
)
from antrean.vocabulary import CounterState
from server.engine.clock import local_day
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.operations import Operations
from server.permissions import Action, authorize, usable_counters
from server.web.console.views import ConsoleView, console_view, counter_choices
from server.web.i18n import language, refusal, translate
from server.web.pages import area, render, wants_json
from server.web.session import SignedIn, check_csrf, signed_in, with_flash

router = APIRouter(include_in_schema=False)
area("console", Path(__file__).parent)

REGIONS = ("state", "current", "queue", "noshows")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
TICKET_CODE = re.compile(r"^\s*([A-Za-z]{1,3})\s*-?\s*(\d{1,3})\s*$")
PAUSE_REASONS = ("reason_break", "reason_prayer", "reason_meeting", "reason_other")
Counter = Annotated[int, PathParam(ge=1, le=999)]
Text = Annotated[str, Form(max_length=300)]


@router.get("/console")
def pick(request: Request) -> Response:
    who = signed_in(request)
    operations: Operations = request.app.state.operations
    caller = who.caller
    with operations.db.reading() as work:
        site_ids = None if caller.site_ids is None else sorted(caller.site_ids)
        sites = {s.code: s.id for s in work.sites()}
        choices = [
            c for c in counter_choices(work, site_ids)
            if usable_counters(caller, sites[c.site_code], [c.number])
        ]
    return render(request, "console/pick.html", {"choices": choices}, who=who)


@router.get("/console/{site}/{number}")
def page(request: Request, site: SiteCode, number: Counter) -> Response:
    who = signed_in(request)
    try:
        view = _view(request, who, site, number)
    except QueueError as refused:
        return _refused_page(request, who, refused)
    response = render(request, "console/page.html", _context(request, who, view), who=who)
    if who.session.flash:
        with_flash(request, response, who.session, "")  # shown once
    return response


@router.get("/console/{site}/{number}/live")
def live(request: Request, site: SiteCode, number: Counter) -> Response:
    """The parts of the page that change, for console.js to put in place."""
    who = signed_in(request)
    try:
        view = _view(request, who, site, number)
    except QueueError as refused:
        return JSONResponse(
            {"ok": False, "message": refusal(language(request), refused.code)},
            status_code=refused.status,
        )
    context = _context(request, who, view)
    regions = {
        name: bytes(render(request, f"console/_{name}.html", context, who=who).body).decode()
        for name in REGIONS
    }
    return JSONResponse({"seq": view.seq, "regions": regions})


@router.post("/console/{site}/{number}/act")
def act(
    request: Request,
    site: SiteCode,
    number: Counter,
    action: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    ticket_id: Annotated[str, Form(max_length=20)] = "",
    service: Annotated[str, Form(max_length=3)] = "",
    note: Text = "",
    reason: Text = "",
    code: Annotated[str, Form(max_length=20)] = "",
    request_id: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    who = signed_in(request)
    check_csrf(request, who.session, csrf)
    lang = language(request)
    operations: Operations = request.app.state.operations
    try:
        command = _command(
            operations, site, number, action, ticket_id, service, note, reason, code, lang
        )
        outcome = operations.execute(
            who.caller, command, request_id if REQUEST_ID.match(request_id) else None
        )
        ok, message = True, _done(lang, action, number, outcome.body, service)
    except QueueError as refused:
        ok, message = False, refusal(lang, refused.code)
    except _NotUnderstood as problem:
        ok, message = False, str(problem)
    if wants_json(request):
        return JSONResponse({"ok": ok, "message": message}, status_code=200 if ok else 409)
    response = RedirectResponse(f"/console/{site}/{number}", status_code=303)
    with_flash(request, response, who.session, message)
    return response


class _NotUnderstood(ValueError):
    """The form asked for something that makes no sense here; said to the officer."""


def _command(
    operations: Operations, site: str, number: int, action: str, ticket_id: str,
    service: str, note: str, reason: str, code: str, lang: str,
) -> Command:
    if action == "next":
        return CallNextCommand(site=site, counter=number)
    if action in ("pause", "open", "close"):
        state = {"pause": CounterState.PAUSED, "open": CounterState.OPEN,
                 "close": CounterState.CLOSED}[action]
        words = translate(lang, reason) if reason in PAUSE_REASONS else reason.strip()
        return CounterStateCommand(
            site=site, counter=number, state=state,
            reason=words or None if state is not CounterState.OPEN else None,
        )
    if action == "call":
        wanted = int(ticket_id) if ticket_id.isdigit() else None
        return CallTicketCommand(
            ticket_id=wanted or _waiting_ticket(operations, site, code, lang), counter=number
        )
    if not ticket_id.isdigit() or int(ticket_id) < 1:
        raise _NotUnderstood(translate(lang, "choose_ticket"))
    ticket = int(ticket_id)
    if action == "transfer":
        return TransferCommand(ticket_id=ticket, service=service, note=note.strip() or None)
    if action == "cancel":
        return TicketCommand(type="cancel", ticket_id=ticket, reason=reason.strip() or None)
    if action in ("recall", "start", "finish", "no_show", "requeue"):
        return TicketCommand(type=action, ticket_id=ticket)
    raise _NotUnderstood(refusal(lang, "invalid_request"))


def _waiting_ticket(operations: Operations, site: str, code: str, lang: str) -> int:
    """The id of today's waiting ticket with this code ("A12", "a-012" and "A012" alike)."""
    match = TICKET_CODE.match(code)
    if match is None:
        raise _NotUnderstood(translate(lang, "unknown_code", code=code.strip()[:10] or "?"))
    wanted = f"{match.group(1).upper()}{int(match.group(2)):03d}"
    with operations.db.reading() as work:
        found = find_site(work, site)
        today = local_day(found, operations.clock())
        for ticket in work.waiting(found.id, today):
            if ticket.code == wanted:
                return ticket.id
    raise _NotUnderstood(translate(lang, "unknown_code", code=wanted))


def _done(
    lang: str, action: str, counter: int, body: dict[str, Any] | None, service: str
) -> str:
    if action == "next" and body is None:
        return translate(lang, "done_nobody")
    if action in ("pause", "open", "close"):
        key = {"pause": "done_paused", "open": "done_open", "close": "done_closed"}[action]
        return translate(lang, key)
    code = str((body or {}).get("code", ""))
    return translate(
        lang, f"done_{action}", code=code, counter=counter,
        service=str((body or {}).get("service", service)),
    )


def _view(request: Request, who: SignedIn, site: str, number: int) -> ConsoleView:
    operations: Operations = request.app.state.operations
    with operations.db.reading() as work:
        found = find_site(work, site)
        authorize(who.caller, Action.OPERATE, found.id, counter=number)
        return console_view(work, site, number, operations.clock())


def _context(request: Request, who: SignedIn, view: ConsoleView) -> dict[str, Any]:
    called_at = view.current.called_at if view.current is not None else None
    seconds = max(0, int((view.now - called_at).total_seconds())) if called_at else 0
    return {
        "elapsed": f"{seconds // 60:02d}:{seconds % 60:02d}",
        "view": view,
        "token": who.session.token,
        "protocol": PROTOCOL_VERSION,
        "flash": who.session.flash,
        "pause_reasons": PAUSE_REASONS,
        "live_url": f"/console/{view.site_code}/{view.counter.number}/live",
        "act_url": f"/console/{view.site_code}/{view.counter.number}/act",
    }


def _refused_page(request: Request, who: SignedIn, refused: QueueError) -> Response:
    lang = language(request)
    words = (
        translate(lang, "not_allowed_page") if refused.code == "forbidden"
        else refusal(lang, refused.code)
    )
    return render(
        request, "message.html", {"message": words, "back": "/console"}, who=who,
        status_code=refused.status,
    )
