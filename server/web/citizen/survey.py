"""The satisfaction survey (SKM, Permenpan RB 14/2017) on the ticket page, after service.

Who may answer: the holder of a ticket that was served (status `done`), once,
within `survey_days` days of the service. Everything else is refused with a
reason the page explains. The answers are kept by server/store/survey.py
under the day of the service, with the respondent profile the regulation's
questionnaire asks for, every part of it optional; nothing identifies the
citizen in any report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from antrean.vocabulary import TicketStatus
from server.skm import AGE_BANDS, EDUCATION, ELEMENT_CODES, HIGHEST, LOWEST, OCCUPATIONS, SEXES
from server.store import survey as answers_store
from server.store.survey import PROFILE, SurveyAnswers
from server.store.unit_of_work import UnitOfWork
from server.web.citizen.board import CitizenStatus

SUGGESTION_LENGTH = 1000
SCORES = tuple(range(LOWEST, HIGHEST + 1))
CHOICES: dict[str, tuple[str, ...]] = {
    "sex": SEXES, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS,
}


@dataclass(frozen=True)
class Filled:
    """What a form held: the answers read, and which questions still lack one."""

    scores: dict[str, int] = field(default_factory=dict)
    profile: dict[str, str] = field(default_factory=dict)
    suggestion: str = ""
    missing: tuple[str, ...] = ()
    unreadable: bool = False

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unreadable


def read_form(form: Mapping[str, str]) -> Filled:
    """The survey form's fields: one score (1–4) per element, an optional profile
    and suggestion. A value outside the choices makes the form unreadable (a
    page never sends one); an element left blank is only missing."""
    scores: dict[str, int] = {}
    unreadable = False
    for code in ELEMENT_CODES:
        raw = form.get(code, "").strip()
        if not raw:
            continue
        if raw.isascii() and raw.isdigit() and int(raw) in SCORES:
            scores[code] = int(raw)
        else:
            unreadable = True
    profile: dict[str, str] = {}
    for name, allowed in CHOICES.items():
        raw = form.get(name, "").strip()
        if raw in allowed:
            profile[name] = raw
        elif raw:
            unreadable = True
    suggestion = " ".join(form.get("suggestion", "").split())[:SUGGESTION_LENGTH]
    missing = tuple(code for code in ELEMENT_CODES if code not in scores)
    return Filled(scores, profile, suggestion, missing, unreadable)


def deadline(status: CitizenStatus, days: int) -> datetime | None:
    """Until when the ticket's survey may be answered (None: not served)."""
    if status.status != TicketStatus.DONE or status.finished_at is None:
        return None
    return status.finished_at + timedelta(days=days)


def refusal(status: CitizenStatus, answered: bool, days: int, now: datetime) -> str | None:
    """Why this ticket may not answer now (a phrase key), or None when it may."""
    if answered:
        return "survey_refused_answered"
    closes = deadline(status, days)
    if closes is None:
        return "survey_refused_not_served"
    if now > closes:
        return "survey_refused_closed"
    return None


def record(work: UnitOfWork, status: CitizenStatus, filled: Filled, now: datetime) -> None:
    """Keep the answers under the day of the service (AlreadyAnswered if some are kept)."""
    answers_store.record(
        work,
        status.view.id,
        SurveyAnswers(
            site_id=status.site_id,
            service_id=status.service_id,
            local_day=status.view.local_day,
            submitted_at=now,
            scores=tuple(filled.scores[code] for code in ELEMENT_CODES),
            profile={name: filled.profile.get(name) for name in PROFILE},
            suggestion=filled.suggestion or None,
        ),
    )
