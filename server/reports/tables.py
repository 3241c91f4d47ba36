"""A report as plain tables: the rows every export writes and the API returns.

Each table is a list of columns (a key for its heading in the catalogue, and
a kind: count, minutes, share, text, day) and rows of plain values. CSV,
XLSX and JSON are written from these, so the three hold the same figures.
Times are minutes with one decimal; shares are fractions (0.25 = 25%).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.reports.figures import Report, ServiceFigures
from server.reports.satisfaction import Satisfaction
from server.reports.stats import Durations

Value = str | int | float | date | None


@dataclass(frozen=True)
class Column:
    key: str
    kind: str  # "text", "count", "minutes", "share", "day", "score"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: list[list[Value]]

    def as_dicts(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


def _durations(figures: Durations) -> list[Value]:
    return [_minutes(figures.mean), _minutes(figures.median), _minutes(figures.p90)]


def _c(*spec: str) -> tuple[Column, ...]:
    return tuple(Column(*item.split(":")) for item in spec)


SERVICE_COLUMNS = _c(
    "col_code:text", "col_service:text", "col_target:count", "col_issued:count",
    "col_served:count", "col_no_show:count", "col_cancelled:count", "col_expired:count",
    "col_open:count", "col_transferred:count", "col_priority:count", "col_wait_mean:minutes",
    "col_wait_median:minutes", "col_wait_p90:minutes", "col_over_target:share",
    "col_service_mean:minutes", "col_service_median:minutes", "col_service_p90:minutes",
)


def _service_row(row: ServiceFigures, code: str, name: str) -> list[Value]:
    o = row.outcomes
    return [
        code, name, row.target_minutes, o.issued, o.served, o.no_show, o.cancelled,
        o.expired, o.open, row.transferred_out, row.priority, *_durations(row.wait),
        row.over_target_share, *_durations(row.service_time),
    ]


def services(report: Report, total_words: str) -> Table:
    rows = [_service_row(row, row.code, row.name) for row in report.services]
    rows.append(_service_row(report.total, "", total_words))
    return Table("services", SERVICE_COLUMNS, rows)


def counters(report: Report) -> Table:
    columns = _c(
        "col_counter:count", "col_name:text", "col_served:count", "col_no_show:count",
        "col_service_mean:minutes", "col_service_median:minutes", "col_service_p90:minutes",
    )
    rows: list[list[Value]] = [
        [c.number, c.name, c.served, c.no_show, *_durations(c.service_time)]
        for c in report.counters
    ]
    return Table("counters", columns, rows)


def officers(report: Report, keypad_words: str) -> Table:
    columns = _c(
        "col_officer:text", "col_served:count", "col_no_show:count",
        "col_service_mean:minutes", "col_service_median:minutes", "col_service_p90:minutes",
    )
    rows: list[list[Value]] = [
        [f"{o.name} ({keypad_words})" if o.is_device else o.name, o.served, o.no_show,
         *_durations(o.service_time)]
        for o in report.officers
    ]
    return Table("officers", columns, rows)


def days(report: Report) -> Table:
    columns = _c(
        "col_day:day", "col_issued:count", "col_served:count", "col_no_show:count",
        "col_cancelled:count", "col_expired:count", "col_open:count", "col_wait_mean:minutes",
        "col_wait_median:minutes", "col_wait_p90:minutes", "col_over_target:share",
    )
    rows: list[list[Value]] = []
    for d in report.days:
        o = d.outcomes
        rows.append([
            d.day, o.issued, o.served, o.no_show, o.cancelled, o.expired, o.open,
            *_durations(d.wait), d.over_target_share,
        ])
    return Table("days", columns, rows)


def hours(report: Report) -> Table:
    columns = _c("col_hour:text", "col_arrivals:count")
    rows: list[list[Value]] = [
        [f"{hour:02d}.00–{hour:02d}.59", count]
        for hour, count in enumerate(report.arrivals_by_hour)
        if count
    ]
    return Table("hours", columns, rows)


def notes(report: Report) -> Table:
    columns = _c("col_day:day", "col_obstacles:text", "col_follow_up:text")
    rows: list[list[Value]] = [
        [day, note.obstacles, note.follow_up] for day, note in sorted(report.notes.items())
    ]
    return Table("notes", columns, rows)


def ikm_elements(result: Satisfaction, element_name: Callable[[str], str]) -> Table:
    columns = _c(
        "col_element:text", "col_sum:count", "col_nrr:score", "col_weighted:score",
        "col_converted:score", "col_grade:text",
    )
    rows: list[list[Value]] = [
        [element_name(e.element.code), e.total, round(e.nrr, 3), round(e.weighted, 3),
         round(e.converted, 2), e.grade.letter]
        for e in result.overall.elements
    ]
    return Table("ikm", columns, rows)


def ikm_services(result: Satisfaction, total_words: str) -> Table:
    columns = _c(
        "col_code:text", "col_service:text", "col_respondents:count", "col_population:count",
        "col_minimum_sample:count", "col_ikm:score", "col_grade:text",
        "col_buttons_count:count", "col_buttons_mean:score",
    )
    rows: list[list[Value]] = []
    for s in result.services:
        rows.append([
            s.code, s.name, s.ikm.respondents, s.ikm.population, s.ikm.minimum_sample,
            None if s.ikm.index is None else round(s.ikm.index, 2),
            s.ikm.grade.letter if s.ikm.grade else None,
            s.ratings.count, None if s.ratings.mean is None else round(s.ratings.mean, 2),
        ])
    o = result.overall
    rows.append([
        "", total_words, o.respondents, o.population, o.minimum_sample,
        None if o.index is None else round(o.index, 2), o.grade.letter if o.grade else None,
        result.ratings.count,
        None if result.ratings.mean is None else round(result.ratings.mean, 2),
    ])
    return Table("ikm_services", columns, rows)


def report_tables(report: Report, words: Callable[[str], str]) -> list[Table]:
    return [
        services(report, words("total")),
        counters(report),
        officers(report, words("keypad")),
        days(report),
        hours(report),
        notes(report),
    ]


TABLE_NAMES: Sequence[str] = ("services", "counters", "officers", "days", "hours", "notes")


def suggestions(result: Satisfaction) -> Table:
    columns = _c("col_day:day", "col_code:text", "col_suggestion:text")
    rows: list[list[Value]] = [
        [s.local_day, s.service_code, s.text] for s in result.suggestions
    ]
    return Table("suggestions", columns, rows)
