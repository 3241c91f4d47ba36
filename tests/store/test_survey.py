"""Survey answers: kept once per ticket, read back by local day without the ticket."""

from __future__ import annotations

from dataclasses import fields

import pytest

from server.engine.commands import find_site, issue_ticket
from server.store import survey
from server.store.database import Database
from server.store.survey import AlreadyAnswered, SurveyAnswers
from tests.conftest import Clock


def _answers(
    site_id: int, service_id: int, clock: Clock, scores: tuple[int, ...]
) -> SurveyAnswers:
    return SurveyAnswers(
        site_id=site_id,
        service_id=service_id,
        local_day=clock().date(),
        submitted_at=clock(),
        scores=scores,
        profile={"sex": "female", "age_band": "60_over", "education": None, "occupation": None},
        suggestion="Kursi ruang tunggu ditambah.",
    )


def test_answers_are_kept_once_and_read_back_without_the_ticket(
    demo_db: Database, clock: Clock
) -> None:
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        first = issue_ticket(work, site, "A", clock())
        second = issue_ticket(work, site, "B", clock())
    with demo_db.writing() as work:
        survey.record(work, first.id, _answers(site.id, first.service_id, clock, (4,) * 9))
        mixed = (1, 2, 3, 4, 3, 2, 1, 2, 3)
        survey.record(work, second.id, _answers(site.id, second.service_id, clock, mixed))
    with pytest.raises(AlreadyAnswered), demo_db.writing() as work:
        survey.record(work, first.id, _answers(site.id, first.service_id, clock, (1,) * 9))

    with demo_db.reading() as work:
        assert survey.answered(work, first.id)
        day = clock().date()
        found = survey.between(work, site.id, day, day)
        assert [a.scores for a in found] == [(4,) * 9, (1, 2, 3, 4, 3, 2, 1, 2, 3)]
        assert found[0].profile["age_band"] == "60_over"
        assert found[0].suggestion == "Kursi ruang tunggu ditambah."
        before = day.replace(year=day.year - 1)
        assert survey.between(work, site.id, before, before) == []
    assert "ticket_id" not in {f.name for f in fields(SurveyAnswers)}


@pytest.mark.parametrize("scores", [(4,) * 8, (0,) + (4,) * 8, (5,) + (4,) * 8])
def test_answers_out_of_the_scale_are_refused(
    demo_sqlite: Database, clock: Clock, scores: tuple[int, ...]
) -> None:
    with demo_sqlite.writing() as work:
        site = find_site(work, "demo")
        ticket = issue_ticket(work, site, "A", clock())
    with pytest.raises(ValueError, match="9 answers from 1 to 4"), demo_sqlite.writing() as work:
        survey.record(work, ticket.id, _answers(site.id, ticket.service_id, clock, scores))
