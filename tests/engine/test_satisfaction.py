"""The citizen's rating: once per ticket, only shortly after it was finished."""

from __future__ import annotations

from datetime import datetime, timedelta

from antrean.vocabulary import EventType, Satisfaction
from server.engine import commands as engine
from server.engine.model import Ticket
from tests.engine.offices import Desk, OpenDesk, at

MORNING = at("2026-11-24 08:00", "Asia/Makassar")


def served(desk: Desk, finished_at: datetime) -> Ticket:
    ticket = desk.issue("A", MORNING)
    desk.call_next(1, MORNING + timedelta(minutes=1))
    assert ticket.id is not None
    desk.run(lambda repo, site: engine.finish(repo, ticket.id or 0, finished_at))
    return ticket


def rate(desk: Desk, ticket: Ticket, face: Satisfaction, now: datetime) -> Ticket:
    return desk.run(lambda repo, site: engine.rate(repo, ticket.id or 0, face, now))


def test_a_rating_is_stored_once_with_its_event(open_desk: OpenDesk) -> None:
    desk = open_desk()
    finished = MORNING + timedelta(minutes=9)
    ticket = served(desk, finished)
    rate(desk, ticket, Satisfaction.SATISFIED, finished + timedelta(seconds=20))
    refusal = desk.refusal(
        lambda repo, site: engine.rate(
            repo, ticket.id or 0, Satisfaction.VERY_DISSATISFIED, finished + timedelta(seconds=30)
        )
    )
    assert refusal.code == "already_rated"
    assert desk.ticket(ticket.id or 0).satisfaction is Satisfaction.SATISFIED
    rated = [e for e in desk.events() if e.type is EventType.RATED]
    assert len(rated) == 1
    assert rated[0].details == {"satisfaction": "satisfied", "score": 3}
    assert rated[0].counter == 1
    assert rated[0].ticket is not None and rated[0].ticket.code == ticket.code


def test_no_rating_before_the_visit_ends_or_after_the_window(open_desk: OpenDesk) -> None:
    desk = open_desk()
    waiting = desk.issue("C", MORNING)
    too_early = desk.refusal(
        lambda repo, site: engine.rate(repo, waiting.id or 0, Satisfaction.SATISFIED, MORNING)
    )
    assert too_early.code == "rating_closed"

    finished = MORNING + timedelta(minutes=9)
    ticket = served(desk, finished)
    late = finished + engine.RATING_WINDOW + timedelta(seconds=1)
    too_late = desk.refusal(
        lambda repo, site: engine.rate(repo, ticket.id or 0, Satisfaction.SATISFIED, late)
    )
    assert too_late.code == "rating_closed"
    assert too_late.details["window_seconds"] == 300
    assert desk.ticket(ticket.id or 0).satisfaction is None
    assert not [e for e in desk.events() if e.type is EventType.RATED]


def test_scores_follow_the_survey_scale() -> None:
    assert [face.score for face in Satisfaction] == [4, 3, 2, 1]
    assert [face.words for face in Satisfaction] == [
        "sangat puas", "puas", "kurang puas", "tidak puas"
    ]
