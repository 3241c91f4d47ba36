"""Reports over REST: a day, any span, a week, the IKM, and their files.

The same figures as the report pages (`server.reports`), for supervisors and
admins of the office (`Action.SUPERVISE`). Durations are minutes with one
decimal; shares are fractions (0.25 = 25%).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from antrean.protocol import SiteCode
from server.api.deps import CallerDep, OperationsDep
from server.engine.errors import QueueError
from server.reports import tables
from server.reports.figures import Report
from server.reports.satisfaction import Satisfaction
from server.web.reports import views
from server.web.reports.routes import export_answer

router = APIRouter(tags=["reports"])

SitePath = Annotated[SiteCode, Path(description="The office's code, e.g. `demo`")]
DayQuery = Annotated[date | None, Query(description="A local day, YYYY-MM-DD")]
Lang = Annotated[str, Query(pattern="^(id|en)$", description="Headings' language")]


def _report_body(report: Report, lang: str) -> dict[str, Any]:
    say = views.words(lang)
    return {
        "site": report.site_code,
        "timezone": report.timezone,
        "first": report.first,
        "last": report.last,
        "made_at": report.made_at,
        "tables": {t.name: t.as_dicts() for t in tables.report_tables(report, say)},
        "ratings": {
            "count": report.ratings.count,
            "by_score": {str(k): v for k, v in report.ratings.by_score.items()},
            "mean": report.ratings.mean,
            "satisfied_share": report.ratings.satisfied_share,
        },
    }


def _ikm_body(result: Satisfaction) -> dict[str, Any]:
    def one(ikm: Any) -> dict[str, Any]:
        return {
            "respondents": ikm.respondents,
            "population": ikm.population,
            "minimum_sample": ikm.minimum_sample,
            "sample_enough": ikm.sample_enough,
            "unit_value": ikm.unit_value,
            "index": ikm.index,
            "grade": ikm.grade.letter if ikm.grade else None,
            "elements": [
                {"element": e.element.code, "sum": e.total, "nrr": e.nrr,
                 "weighted": e.weighted, "converted": e.converted, "grade": e.grade.letter}
                for e in ikm.elements
            ],
        }

    return {
        "site": result.site_code, "first": result.first, "last": result.last,
        "overall": one(result.overall),
        "services": {s.code: {**one(s.ikm), "buttons": {"count": s.ratings.count,
                                                          "mean": s.ratings.mean}}
                     for s in result.services},
        "buttons": {"count": result.ratings.count, "mean": result.ratings.mean,
                    "satisfied_share": result.ratings.satisfied_share},
        "suggestions": [
            {"day": s.local_day, "service": s.service_code, "text": s.text}
            for s in result.suggestions
        ],
    }


@router.get("/sites/{site}/reports")
def span_report(
    site: SitePath, caller: CallerDep, operations: OperationsDep,
    first: DayQuery = None, last: DayQuery = None, lang: Lang = "id",
) -> dict[str, Any]:
    """Figures for the local days `first`–`last` (default: today): per service, counter,
    officer, day and hour of arrival, and the satisfaction buttons."""
    found = views.site_for(operations.db, caller, site)
    start, end = views.span(first, last, views.today_at(found, operations.clock()))
    return _report_body(views.report(operations.db, found, start, end, operations.clock()), lang)


@router.get("/sites/{site}/reports/weekly/{day}")
def weekly_report(
    site: SitePath, day: date, caller: CallerDep, operations: OperationsDep, lang: Lang = "id",
) -> dict[str, Any]:
    """Monday to Sunday of the week holding `day`, with each day's notes."""
    found = views.site_for(operations.db, caller, site)
    first, last = views.week_days(day)
    built = views.report(operations.db, found, first, last, operations.clock())
    return {**_report_body(built, lang), "notes": {
        d.isoformat(): {"obstacles": n.obstacles, "follow_up": n.follow_up}
        for d, n in sorted(built.notes.items())
    }}


@router.get("/sites/{site}/ikm")
def satisfaction_index(
    site: SitePath, caller: CallerDep, operations: OperationsDep,
    first: DayQuery = None, last: DayQuery = None,
) -> dict[str, Any]:
    """The IKM (Permenpan RB 14/2017) of the days `first`–`last`, overall and per
    service, against the Krejcie–Morgan minimum sample; the buttons beside it."""
    found = views.site_for(operations.db, caller, site)
    start, end = views.span(first, last, views.today_at(found, operations.clock()))
    return _ikm_body(views.index(operations.db, found, start, end, operations.clock()))


@router.get("/sites/{site}/reports/export.{suffix}")
def export_file(
    request: Request, site: SitePath, suffix: str, caller: CallerDep, operations: OperationsDep,
    first: DayQuery = None, last: DayQuery = None, lang: Lang = "id",
    table: Annotated[str, Query(max_length=20)] = "services",
) -> Response:
    """`export.xlsx` (every table, one sheet each, and the IKM's two) or
    `export.csv?table=…` (services, counters, officers, days, hours, notes)."""
    found = views.site_for(operations.db, caller, site)
    start, end = views.span(first, last, views.today_at(found, operations.clock()))
    if suffix not in ("csv", "xlsx") or table not in tables.TABLE_NAMES:
        raise QueueError("not_found", {"export": f"{table}.{suffix}"})
    built = views.report(operations.db, found, start, end, operations.clock())
    satisfaction = (
        views.index(operations.db, found, start, end, operations.clock())
        if suffix == "xlsx" else None
    )
    return export_answer(lang, found, built, suffix, table, satisfaction)
