"""What the report pages and the API share: finding the office, the span asked for,
and the report itself, after the permission check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup

from server.engine.clock import local_day
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.engine.model import Site
from server.permissions import Action, Caller, authorize, sites_in_view
from server.reports import chart, exports, figures, satisfaction, tables
from server.reports.figures import Report
from server.reports.satisfaction import Satisfaction
from server.skm import ELEMENTS
from server.store import accounts
from server.store.database import Database
from server.store.unit_of_work import UnitOfWork
from server.web.i18n import percent, translate


def site_for(db: Database, caller: Caller, code: str, action: Action = Action.SUPERVISE) -> Site:
    with db.reading() as work:
        site = find_site(work, code)
    authorize(caller, action, site.id)
    return site


def visible_sites(db: Database, caller: Caller) -> list[Site]:
    with db.reading() as work:
        every = work.sites()
    allowed = set(sites_in_view(caller, [s.id for s in every]))
    return [s for s in every if s.id in allowed]


def span(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The days asked for; missing ends default to today, and a reversed span is refused."""
    first = first or last or today
    last = last or first
    try:
        figures.check_span(first, last)
    except ValueError as problem:
        raise QueueError("invalid_request", {"span": str(problem)}) from None
    return first, last


def today_at(site: Site, now: datetime) -> date:
    return local_day(site, now)


def report(db: Database, site: Site, first: date, last: date, now: datetime) -> Report:
    with db.reading() as work:
        return figures.build(work, site, first, last, now)


def index(db: Database, site: Site, first: date, last: date, now: datetime) -> Satisfaction:
    with db.reading() as work:
        return satisfaction.build(work, site, first, last, now)


def words(lang: str) -> Callable[[str], str]:
    return partial(translate, lang)


def element_name(lang: str, code: str) -> str:
    [element] = [e for e in ELEMENTS if e.code == code]
    return element.en if lang == "en" else element.id


def span_words(lang: str, first: date, last: date) -> str:
    from server.web.i18n import long_date, short_date

    if first == last:
        return long_date(lang, first)
    return f"{short_date(lang, first)} – {short_date(lang, last)}"


def heading_lines(lang: str, site: Site, first: date, last: date, kind: str) -> list[str]:
    return [
        f"{translate(lang, kind)} — {site.name}",
        span_words(lang, first, last),
        f"{translate(lang, 'timezone')}: {site.timezone}",
    ]


def xlsx(lang: str, site: Site, built: Report, extra: list[tables.Table] | None = None) -> bytes:
    say = words(lang)
    kind = "daily_report" if built.is_one_day else "range_report"
    return exports.xlsx_bytes(
        f"{say(kind)} {site.code} {built.first}–{built.last}",
        heading_lines(lang, site, built.first, built.last, kind),
        [*tables.report_tables(built, say), *(extra or [])],
        say,
    )


def ikm_tables(lang: str, result: Satisfaction) -> list[tables.Table]:
    return [
        tables.ikm_services(result, translate(lang, "total")),
        tables.ikm_elements(result, partial(element_name, lang)),
        tables.suggestions(result),
    ]


def file_name(site: Site, first: date, last: date, suffix: str) -> str:
    days = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    return f"laporan-{site.code}-{days}.{suffix}"


def formatters(lang: str) -> dict[str, Any]:
    """Template helpers for durations (seconds → minutes) and shares."""

    def minutes(seconds: float | None) -> str:
        return "–" if seconds is None else format_decimal(seconds / 60, "#,##0.0", locale=lang)

    def share(value: float | None) -> str:
        return "–" if value is None else percent(lang, value)

    def score(value: float | None, digits: int = 2) -> str:
        pattern = "#,##0." + "0" * digits
        return "–" if value is None else format_decimal(value, pattern, locale=lang)

    return {"minutes": minutes, "share": share, "score": score,
            "element_name": partial(element_name, lang)}


def arrivals_chart(lang: str, built: Report) -> Markup:
    label = translate(lang, "arrivals_per_hour")
    return Markup(chart.arrivals_svg(built.arrivals_by_hour, label))


def week_days(day: date) -> tuple[date, date]:
    return figures.week_of(day)


def neighbours(
    first: date, last: date
) -> tuple[tuple[date, date], tuple[date, date]]:
    """The spans of the same length just before and just after."""
    length = timedelta(days=(last - first).days + 1)
    return (first - length, first - timedelta(days=1)), (last + timedelta(days=1), last + length)


def person(work: UnitOfWork, user_id: int) -> str:
    user = accounts.user_by_id(work, user_id)
    return "?" if user is None else user.full_name or user.username
