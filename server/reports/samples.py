"""The smallest number of respondents a survey needs: Krejcie and Morgan's table.

Permenpan RB 14/2017 (its appendix on the sample) tells units to take the
sample size for their population of service users from the table of
R. V. Krejcie and D. W. Morgan, "Determining sample size for research
activities", Educational and Psychological Measurement 30 (1970), 607–610,
Table 1. The figures below are that table. It follows from their formula

    s = X² N P (1 − P) / (d² (N − 1) + X² P (1 − P))

with X² = 3.841 (chi-square for one degree of freedom at 95%), P = 0.5 and
d = 0.05; tests/reports/test_samples.py checks each row against it.
"""

from __future__ import annotations

import bisect

TABLE: tuple[tuple[int, int], ...] = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40),
    (50, 44), (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70),
    (90, 73), (95, 76), (100, 80), (110, 86), (120, 92), (130, 97), (140, 103),
    (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132), (210, 136),
    (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162),
    (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196),
    (420, 201), (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234),
    (650, 242), (700, 248), (750, 254), (800, 260), (850, 265), (900, 269), (950, 274),
    (1000, 278), (1100, 285), (1200, 291), (1300, 297), (1400, 302), (1500, 306),
    (1600, 310), (1700, 313), (1800, 317), (1900, 320), (2000, 322), (2200, 327),
    (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351),
    (4500, 354), (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368),
    (10000, 370), (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381),
    (75000, 382), (1000000, 384),
)
_POPULATIONS = [population for population, _ in TABLE]


def formula(population: int) -> float:
    """Krejcie and Morgan's formula, unrounded."""
    chi_square, share, margin = 3.841, 0.5, 0.05
    spread = chi_square * share * (1 - share)
    return chi_square * population * share * (1 - share) / (
        margin**2 * (population - 1) + spread
    )


def minimum_sample(population: int) -> int:
    """The respondents needed for a population of `population` service users.

    A population the table does not list takes the row of the next larger
    population (never fewer respondents than the table asks); fewer than ten
    users are all asked; beyond the last row the table's 384 stands."""
    if population <= 0:
        return 0
    if population < TABLE[0][0]:
        return population
    row = bisect.bisect_left(_POPULATIONS, population)
    return TABLE[min(row, len(TABLE) - 1)][1]
