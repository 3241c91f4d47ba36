"""The report pages: a day (with its notes), any span of days, a week, the IKM, and
their exports (CSV, XLSX, PDF). Supervisors and admins of the office only.

Every figure comes from `server.reports`; these routes find the office, check
the permission (`server.permissions`), and render or write the figures.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from antrean.protocol import SiteCode
from server.engine.errors import QueueError
from server.operations import Operations
from server.permissions import Action, allowed
from server.reports import exports, pdf, tables
from server.store import history
from server.store.history import NoteRevision
from server.web.i18n import language, refusal, short_date, translate
from server.web.pages import area, environment, render
from server.web.reports import views
from server.web.session import SignedIn, check_csrf, signed_in, with_flash

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
area("reports", HERE)

DayQuery = Annotated[date | None, Query()]
NOTE_LIMIT = 4000


def _operations(request: Request) -> Operations:
    operations: Operations = request.app.state.operations
    return operations


def _refused(request: Request, who: SignedIn, refused: QueueError) -> Response:
    lang = language(request)
    words = (
        translate(lang, "not_allowed_page") if refused.code == "forbidden"
        else refusal(lang, refused.code)
    )
    return render(request, "message.html", {"message": words, "back": "/reports"}, who=who,
                  status_code=refused.status)


@router.get("/reports")
def choose(request: Request) -> Response:
    who = signed_in(request)
    operations = _operations(request)
    sites = views.visible_sites(operations.db, who.caller)
    if len(sites) == 1:
        return RedirectResponse(f"/reports/{sites[0].code}", status_code=303)
    return render(request, "reports/choose.html", {"sites": sites}, who=who)


@router.get("/reports/{site}")
def today(request: Request, site: SiteCode) -> Response:
    who = signed_in(request)
    operations = _operations(request)
    try:
        found = views.site_for(operations.db, who.caller, site)
    except QueueError as refused:
        return _refused(request, who, refused)
    day = views.today_at(found, operations.clock())
    return RedirectResponse(f"/reports/{site}/day/{day.isoformat()}", status_code=303)


def _report_context(
    request: Request, who: SignedIn, site: SiteCode, first: date, last: date
) -> dict[str, Any]:
    operations = _operations(request)
    lang = language(request)
    found = views.site_for(operations.db, who.caller, site)
    built = views.report(operations.db, found, first, last, operations.clock())
    earlier, later = views.neighbours(first, last)
    with operations.db.reading() as work:
        writers = {
            user_id: views.person(work, user_id)
            for revisions in built.note_history.values() for user_id in
            {r.written_by for r in revisions if r.written_by is not None}
        }
    return {
        "writers": writers,
        "site": found,
        "report": built,
        "chart": views.arrivals_chart(lang, built),
        "span": views.span_words(lang, first, last),
        "may_write": allowed(who.caller, Action.WRITE_NOTES, found.id),
        "earlier": earlier,
        "later": later,
        "today": views.today_at(found, operations.clock()),
        "flash": who.session.flash,
        "note_limit": NOTE_LIMIT,
        **views.formatters(lang),
    }


@router.get("/reports/{site}/day/{day}")
def day_page(request: Request, site: SiteCode, day: date) -> Response:
    who = signed_in(request)
    try:
        context = _report_context(request, who, site, day, day)
    except QueueError as refused:
        return _refused(request, who, refused)
    response = render(request, "reports/report.html", context, who=who)
    if who.session.flash:
        with_flash(request, response, who.session, "")
    return response


@router.get("/reports/{site}/range")
def range_page(
    request: Request, site: SiteCode, first: DayQuery = None, last: DayQuery = None
) -> Response:
    who = signed_in(request)
    operations = _operations(request)
    try:
        found = views.site_for(operations.db, who.caller, site)
        start, end = views.span(first, last, views.today_at(found, operations.clock()))
        if start == end:
            return RedirectResponse(f"/reports/{site}/day/{start.isoformat()}", status_code=303)
        context = _report_context(request, who, site, start, end)
    except QueueError as refused:
        return _refused(request, who, refused)
    return render(request, "reports/report.html", context, who=who)


@router.get("/reports/{site}/week/{day}")
def week_page(request: Request, site: SiteCode, day: date) -> Response:
    who = signed_in(request)
    first, last = views.week_days(day)
    try:
        context = _report_context(request, who, site, first, last)
    except QueueError as refused:
        return _refused(request, who, refused)
    return render(request, "reports/week.html", context, who=who)


SUGGESTIONS_SHOWN = 100
"""The page lists the newest suggestions; the workbook holds every one."""


@router.get("/reports/{site}/ikm")
def ikm_page(
    request: Request, site: SiteCode, first: DayQuery = None, last: DayQuery = None
) -> Response:
    who = signed_in(request)
    operations = _operations(request)
    lang = language(request)
    try:
        found = views.site_for(operations.db, who.caller, site)
        today = views.today_at(found, operations.clock())
        start, end = views.span(first or today.replace(day=1), last or today, today)
        result = views.index(operations.db, found, start, end, operations.clock())
    except QueueError as refused:
        return _refused(request, who, refused)
    context = {
        "site": found, "result": result, "span": views.span_words(lang, start, end),
        "first": start, "last": end, **views.formatters(lang),
        "short_date": partial(short_date, lang), "SUGGESTIONS_SHOWN": SUGGESTIONS_SHOWN,
    }
    return render(request, "reports/ikm.html", context, who=who)


@router.post("/reports/{site}/day/{day}/notes")
def save_notes(
    request: Request,
    site: SiteCode,
    day: date,
    csrf: Annotated[str, Form(max_length=200)] = "",
    obstacles: Annotated[str, Form(max_length=NOTE_LIMIT)] = "",
    follow_up: Annotated[str, Form(max_length=NOTE_LIMIT)] = "",
) -> Response:
    who = signed_in(request)
    check_csrf(request, who.session, csrf)
    operations = _operations(request)
    try:
        found = views.site_for(operations.db, who.caller, site, Action.WRITE_NOTES)
    except QueueError as refused:
        return _refused(request, who, refused)
    with operations.db.writing() as work:
        history.save_note(work, NoteRevision(
            found.id, day, obstacles.strip(), follow_up.strip(), operations.clock(),
            who.user.id,
        ))
    response = RedirectResponse(f"/reports/{site}/day/{day.isoformat()}#notes", status_code=303)
    with_flash(request, response, who.session, translate(language(request), "notes_saved"))
    return response


@router.get("/reports/{site}/export.{suffix}")
def export(
    request: Request,
    site: SiteCode,
    suffix: str,
    first: DayQuery = None,
    last: DayQuery = None,
    table: Annotated[str, Query(max_length=20)] = "services",
) -> Response:
    who = signed_in(request)
    operations = _operations(request)
    lang = language(request)
    try:
        found = views.site_for(operations.db, who.caller, site)
        start, end = views.span(first, last, views.today_at(found, operations.clock()))
        if suffix not in ("csv", "xlsx") or table not in tables.TABLE_NAMES:
            raise QueueError("not_found", {"export": f"{table}.{suffix}"})
        built = views.report(operations.db, found, start, end, operations.clock())
        satisfaction = (
            views.index(operations.db, found, start, end, operations.clock())
            if suffix == "xlsx" else None
        )
    except QueueError as refused:
        return _refused(request, who, refused)
    return export_answer(lang, found, built, suffix, table, satisfaction)


def export_answer(
    lang: str, site: Any, built: Any, suffix: str, table: str, satisfaction: Any = None
) -> Response:
    """A table as CSV, or the workbook: every table, and the span's IKM when given."""
    say = views.words(lang)
    if suffix == "csv":
        [chosen] = [t for t in tables.report_tables(built, say) if t.name == table]
        name = views.file_name(site, built.first, built.last, f"{table}.csv")
        return Response(
            exports.csv_text(chosen, say), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    name = views.file_name(site, built.first, built.last, "xlsx")
    return Response(
        views.xlsx(
            lang, site, built,
            views.ikm_tables(lang, satisfaction) if satisfaction is not None else None,
        ),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/{site}/day/{day}/pdf")
async def day_pdf(request: Request, site: SiteCode, day: date) -> Response:
    who = await run_in_threadpool(signed_in, request)
    try:
        context = await run_in_threadpool(_report_context, request, who, site, day, day)
    except QueueError as refused:
        return _refused(request, who, refused)
    body = await run_in_threadpool(document_pdf, request, context)
    name = views.file_name(context["site"], day, day, "pdf")
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def document_pdf(request: Request, context: dict[str, Any]) -> bytes:
    """The day's printable page, as WeasyPrint lays it out."""
    lang = language(request)
    html = environment().get_template("reports/document.html").render({
        "lang": lang, "t": views.words(lang), **context,
    })
    css = (HERE / "static" / "reports.css").read_text() + (HERE / "static" / "pdf.css").read_text()
    return pdf.from_html(html, css)
