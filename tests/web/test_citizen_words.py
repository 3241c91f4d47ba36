"""The ticket page's words: the ticket's own wording of the wait, the papers as a list."""

from __future__ import annotations

import pytest

from antrean.wording import wait_phrase as printed
from server.web.citizen.words import ahead_words, requirement_items, wait_words


@pytest.mark.parametrize(
    "minutes", [None, 0, 0.4, 0.99, 1, 1.4, 1.5, 7.6, 24.2, 59.4, 59.6, 60, 61, 65.2, 119.5, 135]
)
def test_the_page_words_the_wait_as_the_ticket_prints_it(minutes: float | None) -> None:
    assert wait_words("id", minutes) == printed(minutes)


def test_the_wait_in_english() -> None:
    assert wait_words("en", 0.4) == "very soon"
    assert wait_words("en", 17.2) == "about 17 min"
    assert wait_words("en", 24.2) == "about 25 min", "5-minute steps past 20 minutes"
    assert wait_words("en", 120) == "about 2 h"
    assert wait_words("en", 65) == "about 1 h 5 min"


def test_people_ahead() -> None:
    assert ahead_words("id", None) is None
    assert ahead_words("id", 0) == "Tidak ada — Anda berikutnya"
    assert ahead_words("id", 1) == "1 orang"
    assert ahead_words("en", 1) == "1 person"
    assert ahead_words("en", 12) == "12 people"


@pytest.mark.parametrize(
    ("text", "items"),
    [
        (
            "Surat pengantar RT/RW, fotokopi KK, KTP lama (untuk perubahan data), "
            "akta kelahiran (untuk KK baru).",
            ["Surat pengantar RT/RW", "Fotokopi KK", "KTP lama (untuk perubahan data)",
             "Akta kelahiran (untuk KK baru)"],
        ),
        (
            "KTP; KK, asli dan fotokopi\nPas foto 3x4",
            ["KTP", "KK, asli dan fotokopi", "Pas foto 3x4"],
        ),
        ("Surat pengantar RT/RW, KTP, KK. Untuk ahli waris: akta kematian.",
         ["Surat pengantar RT/RW", "KTP", "KK", "Untuk ahli waris: akta kematian"]),
        ("Dokumen asli dan fotokopinya.", ["Dokumen asli dan fotokopinya"]),
        (
            "NPWP (bila ada, atau surat keterangan), KTP",
            ["NPWP (bila ada, atau surat keterangan)", "KTP"],
        ),
        ("", []),
        (" ;\n ", []),
    ],
)
def test_the_papers_to_bring_as_a_checklist(text: str, items: list[str]) -> None:
    assert requirement_items(text) == items
