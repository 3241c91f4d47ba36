"""A period's satisfaction: the survey's index (IKM), overall and per service, and
beside it — a separate measure — the counter's satisfaction buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from server.engine.model import Site
from server.reports import figures, ikm
from server.reports.figures import Ratings, Report
from server.reports.ikm import Ikm
from server.store import survey
from server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ServiceIndex:
    code: str
    name: str
    ikm: Ikm
    ratings: Ratings


@dataclass(frozen=True)
class Suggestion:
    """A respondent's own words, with only the day and the service: never the
    ticket, the time or the profile, so no one can be told apart by them."""

    local_day: date
    service_code: str
    text: str


@dataclass(frozen=True)
class Satisfaction:
    site_code: str
    site_name: str
    first: date
    last: date
    made_at: datetime
    overall: Ikm
    services: list[ServiceIndex]
    ratings: Ratings
    suggestions: list[Suggestion]
    """Newest day first."""


def of_report(work: UnitOfWork, site: Site, report: Report) -> Satisfaction:
    """The IKM of the report's days; the population is the visits served in them."""
    answers = survey.between(work, site.id, report.first, report.last)
    codes = {s.id: s.code for s in work.services(site.id)}
    served = {row.code: row.outcomes.served for row in report.services}
    per_service = ikm.by_service(answers, codes, served)
    empty = figures.ratings_of(())
    services = [
        ServiceIndex(
            row.code, row.name, per_service[row.code],
            report.ratings_by_service.get(row.code, empty),
        )
        for row in report.services
        if row.code in per_service
    ]
    suggestions = sorted(
        (
            Suggestion(a.local_day, codes.get(a.service_id, "?"), a.suggestion.strip())
            for a in answers
            if a.suggestion and a.suggestion.strip()
        ),
        key=lambda s: (s.local_day, s.service_code),
        reverse=True,
    )
    return Satisfaction(
        site.code, site.name, report.first, report.last, report.made_at,
        ikm.compute(answers, report.total.outcomes.served), services, report.ratings,
        suggestions,
    )


def build(work: UnitOfWork, site: Site, first: date, last: date, now: datetime) -> Satisfaction:
    return of_report(work, site, figures.build(work, site, first, last, now))
