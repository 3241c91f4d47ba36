"""The satisfaction index (IKM, Permenpan RB 14/2017) against an example worked by hand.

Six respondents answered the nine elements (U1 requirements … U9 facilities):

| respondent | U1 | U2 | U3 | U4 | U5 | U6 | U7 | U8 | U9 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| 1 | 4 | 3 | 3 | 4 | 3 | 3 | 4 | 3 | 3 |
| 2 | 3 | 3 | 2 | 4 | 3 | 3 | 3 | 3 | 3 |
| 3 | 4 | 4 | 3 | 4 | 4 | 4 | 4 | 3 | 4 |
| 4 | 3 | 3 | 3 | 4 | 3 | 4 | 3 | 2 | 3 |
| 5 | 4 | 3 | 2 | 4 | 3 | 3 | 4 | 3 | 3 |
| 6 | 3 | 3 | 3 | 4 | 3 | 3 | 3 | 3 | 2 |
| sum | 21 | 19 | 16 | 24 | 19 | 20 | 21 | 17 | 18 |

NRR = sum ÷ 6: 3.5, 3.1667, 2.6667, 4.0, 3.1667, 3.3333, 3.5, 2.8333, 3.0.
× 25 per element: 87.50 (B), 79.17 (B), 66.67 (C), 100.00 (A), 79.17 (B),
83.33 (B), 87.50 (B), 70.83 (C), 75.00 (C).
Weighted NRR = NRR × 1/9; their sum = (175 ÷ 6) ÷ 9 = 3.2407.
IKM = 3.2407 × 25 = 81.02: B, *Baik*.
With 150 citizens served, Krejcie–Morgan asks for 108 respondents: 6 are too few.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.engine.commands import find_site
from server.reports import ikm, satisfaction
from server.reports.samples import TABLE, formula, minimum_sample
from server.store import survey
from server.store.database import Database
from server.store.survey import SurveyAnswers
from tests.reports.day import DAY, at, live_day

ANSWERS = (
    (4, 3, 3, 4, 3, 3, 4, 3, 3),
    (3, 3, 2, 4, 3, 3, 3, 3, 3),
    (4, 4, 3, 4, 4, 4, 4, 3, 4),
    (3, 3, 3, 4, 3, 4, 3, 2, 3),
    (4, 3, 2, 4, 3, 3, 4, 3, 3),
    (3, 3, 3, 4, 3, 3, 3, 3, 2),
)
SUMS = (21, 19, 16, 24, 19, 20, 21, 17, 18)
NRR = (3.5, 3.1667, 2.6667, 4.0, 3.1667, 3.3333, 3.5, 2.8333, 3.0)
CONVERTED = (87.50, 79.17, 66.67, 100.00, 79.17, 83.33, 87.50, 70.83, 75.00)
GRADES = "BBCABBBCC"


def answers(service_id: int = 1) -> list[SurveyAnswers]:
    return [
        SurveyAnswers(1, service_id, date(2026, 11, 24), datetime(2026, 11, 24, 3, tzinfo=UTC),
                      scores, {})
        for scores in ANSWERS
    ]


def test_the_worked_example() -> None:
    result = ikm.compute(answers(), population=150)
    assert result.respondents == 6
    assert tuple(e.total for e in result.elements) == SUMS
    assert tuple(round(e.nrr, 4) for e in result.elements) == NRR
    assert tuple(round(e.weighted, 4) for e in result.elements) == tuple(
        round(n / 9, 4) for n in (21 / 6, 19 / 6, 16 / 6, 4.0, 19 / 6, 20 / 6, 21 / 6, 17 / 6, 3.0)
    )
    assert tuple(round(e.converted, 2) for e in result.elements) == CONVERTED
    assert "".join(e.grade.letter for e in result.elements) == GRADES
    assert result.unit_value is not None and round(result.unit_value, 4) == 3.2407
    assert result.index is not None and round(result.index, 2) == 81.02
    assert result.grade == ikm.Grade("B", "Baik", "Good")
    assert (result.minimum_sample, result.sample_enough) == (108, False)


@pytest.mark.parametrize(
    ("value", "letter"),
    [(100, "A"), (88.31, "A"), (88.30, "B"), (76.61, "B"), (76.60, "C"), (65.00, "C"),
     (64.99, "D"), (25, "D")],
)
def test_grades_at_their_edges(value: float, letter: str) -> None:
    assert ikm.grade(value).letter == letter


def test_no_respondent_no_index() -> None:
    result = ikm.compute([], population=40)
    assert (result.index, result.grade, result.minimum_sample) == (None, None, 36)


def test_the_table_is_krejcie_and_morgans_formula_rounded() -> None:
    for population, sample in TABLE:
        assert abs(formula(population) - sample) < 1, population


@pytest.mark.parametrize(
    ("population", "sample"),
    [(0, 0), (7, 7), (10, 10), (100, 80), (101, 86), (150, 108), (400, 196), (8800, 368),
     (2_000_000, 384)],
)
def test_minimum_sample_takes_the_next_row(population: int, sample: int) -> None:
    assert minimum_sample(population) == sample


def test_the_index_of_a_day_from_the_stored_answers(demo_db: Database) -> None:
    ids = live_day(demo_db)
    codes = ["A001", "A002", "A003", "B001", "C001", "A004"]
    with demo_db.writing() as work:
        site = find_site(work, "demo")
        service_ids = {s.code: s.id for s in work.services(site.id)}
        for code, scores in zip(codes, ANSWERS, strict=True):
            service = "B" if code == "C001" else code[0]
            survey.record(work, ids[code], SurveyAnswers(
                site.id, service_ids[service], DAY, at(45), scores,
                {"sex": "female", "age_band": "30_39", "education": None, "occupation": None},
            ))
    with demo_db.reading() as work:
        result = satisfaction.build(work, find_site(work, "demo"), DAY, DAY, at(60))
    overall = result.overall
    assert overall.index is not None and round(overall.index, 2) == 81.02
    assert overall.population == 4  # the visits served that day
    assert overall.minimum_sample == 6  # fewer than ten served: ask them all
    by_code = {s.code: s for s in result.services}
    assert by_code["A"].ikm.respondents == 4 and by_code["B"].ikm.respondents == 2
    # B: respondents 4 and 5 of the table.
    b_index = sum(ANSWERS[3]) / 9 * 25 / 2 + sum(ANSWERS[4]) / 9 * 25 / 2
    assert by_code["B"].ikm.index == pytest.approx(b_index)
    assert result.ratings.count == 1 and by_code["B"].ratings.mean == 3.0
