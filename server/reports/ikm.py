"""The community satisfaction index (IKM) of Permenpan RB 14/2017.

From the survey's answers (nine elements, each 1–4):

- NRR per element (*nilai rata-rata*) = the sum of its answers ÷ respondents;
- weighted NRR = NRR × 1/9 (every element weighs the same);
- the unit's index = Σ weighted NRR (1–4), converted to 25–100 by × 25;
- the grade (*mutu pelayanan*) of the converted value: A *Sangat Baik* 88.31–100,
  B *Baik* 76.61–88.30, C *Kurang Baik* 65.00–76.60, D *Tidak Baik* 25.00–64.99;
  an element's grade is that of its NRR × 25.

Values are kept exact and graded after rounding to two decimals, as the
regulation's table is written. The respondents are set against the minimum
sample (Krejcie–Morgan, `samples.py`) for the period's population: the
visits served in it. docs/reports.md works one example by hand, and
tests/reports/test_ikm.py checks it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.reports.samples import minimum_sample
from server.skm import ELEMENTS, Element
from server.store.survey import SurveyAnswers

WEIGHT = 1 / len(ELEMENTS)
SCALE = 25
GRADES: tuple[tuple[float, str, str, str], ...] = (
    (88.31, "A", "Sangat Baik", "Very good"),
    (76.61, "B", "Baik", "Good"),
    (65.00, "C", "Kurang Baik", "Poor"),
    (25.00, "D", "Tidak Baik", "Very poor"),
)


@dataclass(frozen=True)
class Grade:
    letter: str
    id: str
    en: str


def grade(converted: float) -> Grade:
    """The grade of a value on the 25–100 scale."""
    value = round(converted, 2)
    for lowest, letter, words_id, words_en in GRADES:
        if value >= lowest:
            return Grade(letter, words_id, words_en)
    return Grade("D", GRADES[-1][2], GRADES[-1][3])


@dataclass(frozen=True)
class ElementScore:
    element: Element
    total: int
    nrr: float
    weighted: float
    converted: float
    grade: Grade


@dataclass(frozen=True)
class Ikm:
    respondents: int
    population: int
    minimum_sample: int
    elements: tuple[ElementScore, ...]
    # Σ weighted NRR (1–4) and the index (25–100); None with no respondent.
    unit_value: float | None
    index: float | None
    grade: Grade | None

    @property
    def sample_enough(self) -> bool:
        return self.respondents >= self.minimum_sample


def compute(answers: Sequence[SurveyAnswers], population: int) -> Ikm:
    """The index of these answers, for a period that served `population` citizens."""
    respondents = len(answers)
    needed = minimum_sample(max(population, respondents))
    if not respondents:
        return Ikm(0, population, needed, (), None, None, None)
    scores = []
    for position, element in enumerate(ELEMENTS):
        total = sum(answer.scores[position] for answer in answers)
        nrr = total / respondents
        scores.append(
            ElementScore(element, total, nrr, nrr * WEIGHT, nrr * SCALE, grade(nrr * SCALE))
        )
    unit_value = math.fsum(score.weighted for score in scores)
    index = unit_value * SCALE
    return Ikm(respondents, population, needed, tuple(scores), unit_value, index, grade(index))


def by_service(
    answers: Sequence[SurveyAnswers],
    service_codes: Mapping[int, str],
    served: Mapping[str, int],
) -> dict[str, Ikm]:
    """The index of each service (by code), each against its own population."""
    grouped: dict[str, list[SurveyAnswers]] = {code: [] for code in served}
    for answer in answers:
        code = service_codes.get(answer.service_id, "?")
        grouped.setdefault(code, []).append(answer)
    return {code: compute(found, served.get(code, 0)) for code, found in grouped.items()}
