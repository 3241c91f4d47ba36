"""The ticket page the QR code opens (`/t/{id}?token=…`), its live channel, its forms.

The page is whole without JavaScript: rendered on the server, refreshed by
the browser every 30 seconds, its forms plain POSTs answered with a redirect
back. With the script (static/citizen.js) it follows the ticket over a
read-only websocket (live.py) and sounds, vibrates and notifies when the
citizen is called. Any link that is wrong in any way (cut short by a phone's
scanner, mistyped, an unknown ticket, a wrong token) gets a small page in
Indonesian that says what to do, never an error in JSON.

The forms carry the ticket's token, a secret only the ticket's holder has;
a form posted from another site cannot know it, so they need no CSRF token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from antrean.vocabulary import TicketStatus
from server.config import ServerSettings
from server.notifier.phone import NotAPhoneNumber, masked, normalise
from server.operations import Operations
from server.skm import ELEMENT_CODES
from server.store import notices
from server.store import survey as answers_store
from server.store.notices import Notice, NoticeState
from server.store.survey import AlreadyAnswered
from server.store.unit_of_work import UnitOfWork
from server.web.citizen import survey
from server.web.citizen.board import CitizenStatus, read_one, same_token
from server.web.citizen.live import REFRESH_SECONDS as LIVE_REFRESH_SECONDS
from server.web.citizen.live import TicketWatch
from server.web.citizen.survey import CHOICES, SCORES, Filled
from server.web.citizen.words import live_words, requirement_items
from server.web.i18n import clock, language, long_date
from server.web.pages import area, environment, render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
area("citizen", Path(__file__).parent)

REFRESH_SECONDS = 30
"""Without a live socket the page asks for its ticket this often."""
FIRST_STATUS_SECONDS = 15
"""A socket that brings no status this long after it was opened is treated as blocked."""
SILENT_SECONDS = round(LIVE_REFRESH_SECONDS * 2.5)
"""The server sends every open page its status at least every LIVE_REFRESH_SECONDS;
a socket silent for this long is dead, whatever it says."""
LARGEST_TICKET_ID = 2**62
TOKEN_LENGTHS = range(8, 65)


@dataclass
class PageFacts:
    """Everything the page shows, read in one transaction."""

    status: CitizenStatus
    answered: bool
    notice: Notice | None
    token: str
    survey_problem: str | None = None
    filled: Filled = field(default_factory=Filled)
    texts_problem: str | None = None


# --- reading -----------------------------------------------------------------------


def ticket_number(ticket_id: str, token: str | None) -> int | None:
    """The ticket's id when the link's two parts look right (checked here rather than
    by FastAPI, whose refusal would be JSON)."""
    number = int(ticket_id) if ticket_id.isascii() and ticket_id.isdecimal() else 0
    if not 1 <= number <= LARGEST_TICKET_ID or token is None or len(token) not in TOKEN_LENGTHS:
        return None
    return number


def _operations(request: Request) -> Operations:
    operations: Operations = request.app.state.operations
    return operations


def _settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def _facts(work: UnitOfWork, number: int, token: str, now: datetime) -> PageFacts | None:
    status = read_one(work, number, token, now)
    if status is None:
        return None
    return PageFacts(
        status=status,
        answered=answers_store.answered(work, number),
        notice=notices.of_ticket(work, number),
        token=token,
    )


def _read(request: Request, number: int, token: str) -> PageFacts | None:
    operations = _operations(request)
    with operations.db.reading() as work:
        return _facts(work, number, token, operations.clock())


# --- the page ----------------------------------------------------------------------


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: str, token: str | None = None) -> Response:
    number = ticket_number(ticket_id, token)
    facts = _read(request, number, token) if number is not None and token else None
    if facts is None:
        return unknown_link(request)
    return _page(request, facts)


def _page(request: Request, facts: PageFacts, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    now = _operations(request).clock()
    response = render(request, "citizen/ticket.html", _context(request, facts, lang, now),
                      status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays on this server
    return response


def _context(request: Request, facts: PageFacts, lang: str, now: datetime) -> dict[str, Any]:
    status = facts.status
    view = status.view
    here = now.astimezone(ZoneInfo(view.site_timezone))
    ticket_path = f"/t/{view.id}"
    return {
        "facts": facts,
        "status": status,
        "view": view,
        "words": live_words(lang, status, here),
        "requirements": requirement_items(status.requirements),
        "texts": _texts_offer(request, facts),
        "after": _after(facts, lang, now, _settings(request).survey_days),
        "elements": ELEMENT_CODES,
        "scale": SCORES,
        "profile_choices": CHOICES,
        "refresh": REFRESH_SECONDS,
        "first_status": FIRST_STATUS_SECONDS,
        "silent": SILENT_SECONDS,
        "ticket_path": ticket_path,
        "here": f"{ticket_path}?token={quote(facts.token)}",
        "token": facts.token,
    }


def _texts_offer(request: Request, facts: PageFacts) -> dict[str, Any] | None:
    """The "text me" part of the page, when the office has a gateway and the service a distance."""
    distance = facts.status.notify_ahead
    notice = facts.notice
    offered = _settings(request).notify_webhook_url is not None and distance is not None
    if not offered or (facts.status.status != TicketStatus.WAITING and notice is None):
        # Said only to someone who asked anyway (an old page, a form kept open).
        return {"closed": True, "problem": facts.texts_problem} if facts.texts_problem else None
    return {
        "closed": False,
        "distance": distance,
        "state": notice.state.value if notice else None,
        "phone": masked(notice.phone) if notice and notice.phone else None,
        "problem": facts.texts_problem,
    }


def _after(facts: PageFacts, lang: str, now: datetime, days: int) -> dict[str, Any] | None:
    """The survey part: the form, thanks, or why not; None while the citizen still waits."""
    status = facts.status
    if facts.survey_problem is None and status.status != TicketStatus.DONE and not facts.answered:
        return None
    if facts.answered and facts.survey_problem is None:
        return {"kind": "thanks"}
    reason = facts.survey_problem or survey.refusal(status, facts.answered, days, now)
    if reason is not None and reason not in ("survey_missing", "survey_refused_invalid"):
        return {"kind": "refused", "reason": reason, "days": days}
    closes = survey.deadline(status, days)
    deadline = None
    if closes is not None:
        local = closes.astimezone(ZoneInfo(status.view.site_timezone))
        deadline = f"{long_date(lang, local.date())}, {clock(lang, local)}"
    return {"kind": "form", "problem": reason, "filled": facts.filled, "deadline": deadline}


@router.get("/t/{ticket_id}/state")
def ticket_state(request: Request, ticket_id: str, token: str | None = None) -> Response:
    """The live update as JSON, for a page whose socket cannot get through."""
    number = ticket_number(ticket_id, token)
    facts = _read(request, number, token) if number is not None and token else None
    if facts is None:
        return JSONResponse({"type": "ended"}, status_code=404)
    now = _operations(request).clock()
    here = now.astimezone(ZoneInfo(facts.status.view.site_timezone))
    answer = JSONResponse(live_words(language(request), facts.status, here))
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.get("/t/{ticket_id}/after", response_class=HTMLResponse)
def after_part(request: Request, ticket_id: str, token: str | None = None) -> Response:
    """The survey part alone, for the script to put in place when service ends."""
    number = ticket_number(ticket_id, token)
    facts = _read(request, number, token) if number is not None and token else None
    if facts is None:
        return HTMLResponse("", status_code=404)
    lang = language(request)
    context = _context(request, facts, lang, _operations(request).clock())
    response = render(request, "citizen/_after.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.websocket("/t/{ticket_id}/live")
async def live(websocket: WebSocket, ticket_id: int) -> None:
    watch: TicketWatch = websocket.app.state.ticket_watch
    await watch.serve(websocket, ticket_id)


# --- the survey --------------------------------------------------------------------


@router.post("/t/{ticket_id}/survey", response_class=HTMLResponse)
async def answer_survey(request: Request, ticket_id: str) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    token = form.get("token")
    number = ticket_number(ticket_id, token)
    if number is None or token is None:
        return unknown_link(request)
    filled = survey.read_form(form)
    facts = await run_in_threadpool(_keep_answers, request, number, token, filled)
    if facts is None:
        return unknown_link(request)
    if facts.survey_problem is None:
        return RedirectResponse(f"/t/{number}?token={quote(token)}#after", status_code=303)
    problem = facts.survey_problem
    code = 422 if problem in ("survey_missing", "survey_refused_invalid") else 409
    return _page(request, facts, status_code=code)


def _keep_answers(request: Request, number: int, token: str, filled: Filled) -> PageFacts | None:
    operations = _operations(request)
    days = _settings(request).survey_days
    with operations.db.writing() as work:
        # Locked first: two answers sent at once are kept one after the other.
        ticket = work.ticket(number, lock=True)
        if ticket is None or not same_token(ticket.token, token):
            return None
        now = operations.clock()
        facts = _facts(work, number, token, now)
        assert facts is not None
        facts.filled = filled
        refused = survey.refusal(facts.status, facts.answered, days, now)
        if refused is not None:
            facts.survey_problem = refused
        elif filled.unreadable:
            facts.survey_problem = "survey_refused_invalid"
        elif not filled.complete:
            facts.survey_problem = "survey_missing"
        else:
            try:
                survey.record(work, facts.status, filled, now)
            except AlreadyAnswered:
                facts.survey_problem = "survey_refused_answered"
    return facts


# --- the text near one's turn ------------------------------------------------------


@router.post("/t/{ticket_id}/texts", response_class=HTMLResponse)
async def ask_for_text(request: Request, ticket_id: str) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    token = form.get("token")
    number = ticket_number(ticket_id, token)
    if number is None or token is None:
        return unknown_link(request)
    facts = await run_in_threadpool(
        _keep_number, request, number, token, form.get("action", "ask"), form.get("phone", "")
    )
    if facts is None:
        return unknown_link(request)
    if facts.texts_problem is not None:
        return _page(request, facts, status_code=422 if facts.texts_problem == "phone_invalid"
                     else 409)
    request.app.state.notifier.asked(facts.status.view.site)
    return RedirectResponse(f"/t/{number}?token={quote(token)}#texts", status_code=303)


def _keep_number(
    request: Request, number: int, token: str, action: str, written: str
) -> PageFacts | None:
    operations = _operations(request)
    settings = _settings(request)
    with operations.db.writing() as work:
        ticket = work.ticket(number, lock=True)
        if ticket is None or not same_token(ticket.token, token):
            return None
        now = operations.clock()
        facts = _facts(work, number, token, now)
        assert facts is not None
        notice = facts.notice
        if action == "withdraw":
            if notice is not None and notice.state in (NoticeState.WAITING, NoticeState.DUE):
                facts.notice = notices.withdraw(work, notice, now)
            return facts
        if settings.notify_webhook_url is None or facts.status.notify_ahead is None:
            facts.texts_problem = "sms_unavailable"
        elif notice is not None and not notice.state.is_open:
            facts.texts_problem = (
                "sms_already_sent" if notice.state == NoticeState.SENT else "sms_not_waiting"
            )
        elif notice is not None and notice.state == NoticeState.SENDING:
            facts.texts_problem = "sms_already_sent"
        elif facts.status.status != TicketStatus.WAITING:
            facts.texts_problem = "sms_not_waiting"
        else:
            try:
                phone = normalise(written)
            except NotAPhoneNumber:
                facts.texts_problem = "phone_invalid"
            else:
                facts.notice = notices.ask(work, number, ticket.site_id, phone, now)
    return facts


# --- wrong links -------------------------------------------------------------------


@router.get("/t", response_class=HTMLResponse)
@router.get("/t/{anything:path}", response_class=HTMLResponse)
def unknown_link(request: Request) -> HTMLResponse:
    """Any other address under /t/: a link that lost a part on its way."""
    html = environment().get_template("citizen/unknown.html").render()
    return HTMLResponse(html, status_code=404)
