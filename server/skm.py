"""The community satisfaction survey (SKM) of Permenpan RB 14/2017: its nine elements.

The regulation asks every public-service unit to survey the people it served
on nine elements (*unsur*), each answered on a scale of 1 to 4, and to publish
the satisfaction index (IKM) computed from them. The citizen's page asks the
questions, the store keeps the answers (server/store/survey.py) and the
reports compute the index; all three name the elements from this one list.
The respondent profile is the one the regulation's sample questionnaire asks
for; every part of it is optional, and no report shows who answered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    """One unsur: a short code (a column name), and its name in both languages."""

    code: str
    id: str
    en: str


ELEMENTS: tuple[Element, ...] = (
    Element("requirements", "Persyaratan", "Requirements"),
    Element("procedure", "Sistem, mekanisme dan prosedur", "System, mechanism and procedure"),
    Element("time", "Waktu penyelesaian", "Completion time"),
    Element("cost", "Biaya/tarif", "Cost/tariff"),
    Element("product", "Produk spesifikasi jenis pelayanan", "Product specification"),
    Element("competence", "Kompetensi pelaksana", "Staff competence"),
    Element("behaviour", "Perilaku pelaksana", "Staff behaviour"),
    Element(
        "complaints",
        "Penanganan pengaduan, saran dan masukan",
        "Handling of complaints, suggestions and feedback",
    ),
    Element("facilities", "Sarana dan prasarana", "Facilities and infrastructure"),
)
ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)
LOWEST, HIGHEST = 1, 4

# The respondent profile: each answer one of these codes, or none at all.
SEXES = ("male", "female")
AGE_BANDS = ("under_20", "20_29", "30_39", "40_49", "50_59", "60_over")
EDUCATION = ("none_sd", "smp", "sma", "diploma", "s1", "s2_over")
OCCUPATIONS = ("pns", "tni_polri", "private", "entrepreneur", "student", "other")
