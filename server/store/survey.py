"""Satisfaction survey answers (SKM): kept once per ticket, read back for the IKM.

The citizen's page records a ticket's answers once (`record`); the reports read
a site's answers for a range of local days (`between`). The ticket id is kept
only so a second answer for the same ticket is refused; a `SurveyAnswers` as
read back carries no ticket, so nothing built on it can name who answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from server.skm import ELEMENT_CODES
from server.store import statements
from server.store.statements import SURVEY_RESPONSES
from server.store.unit_of_work import UnitOfWork

PROFILE = ("sex", "age_band", "education", "occupation")


@dataclass(frozen=True)
class SurveyAnswers:
    """One respondent's answers: `scores` in the order of server.skm.ELEMENTS."""

    site_id: int
    service_id: int
    local_day: date
    submitted_at: datetime
    scores: tuple[int, ...]
    profile: Mapping[str, str | None]
    suggestion: str | None = None


class AlreadyAnswered(Exception):
    """This ticket's survey was answered before; the first answer stands."""


def answered(work: UnitOfWork, ticket_id: int) -> bool:
    return work.connection.row(statements.survey_of_ticket, {"ticket_id": ticket_id}) is not None


def record(work: UnitOfWork, ticket_id: int, answers: SurveyAnswers) -> None:
    """Keep a ticket's answers; `AlreadyAnswered` if it has some (checked, and unique)."""
    if len(answers.scores) != len(ELEMENT_CODES) or not all(
        1 <= score <= 4 for score in answers.scores
    ):
        raise ValueError(f"a survey has {len(ELEMENT_CODES)} answers from 1 to 4")
    if answered(work, ticket_id):
        raise AlreadyAnswered(ticket_id)
    values: dict[str, object] = {
        "site_id": answers.site_id,
        "service_id": answers.service_id,
        "ticket_id": ticket_id,
        "local_day": answers.local_day,
        "submitted_at": answers.submitted_at,
        "suggestion": answers.suggestion,
        **dict(zip(ELEMENT_CODES, answers.scores, strict=True)),
        **{name: answers.profile.get(name) for name in PROFILE},
    }
    work.insert(SURVEY_RESPONSES, values)


def between(work: UnitOfWork, site_id: int, first_day: date, last_day: date) -> list[SurveyAnswers]:
    """A site's answers from `first_day` to `last_day` (local days, both included)."""
    rows = work.connection.rows(
        statements.surveys_between,
        {"site_id": site_id, "first_day": first_day, "last_day": last_day},
    )
    names = [column.key for column in SURVEY_RESPONSES.columns]
    found = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        found.append(
            SurveyAnswers(
                site_id=values["site_id"],
                service_id=values["service_id"],
                local_day=values["local_day"],
                submitted_at=values["submitted_at"],
                scores=tuple(values[code] for code in ELEMENT_CODES),
                profile={name: values[name] for name in PROFILE},
                suggestion=values["suggestion"],
            )
        )
    return found
