"""Numbers and codes in Indonesian words, and the call's sentence."""

from __future__ import annotations

import pytest

from antrean.spoken import (
    WordingError,
    call_sentence,
    check_wording,
    code_words,
    number_words,
    words_of,
)

NUMBERS = {
    0: "nol",
    1: "satu",
    7: "tujuh",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    99: "sembilan puluh sembilan",
    100: "seratus",
    101: "seratus satu",
    110: "seratus sepuluh",
    111: "seratus sebelas",
    123: "seratus dua puluh tiga",
    200: "dua ratus",
    999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu",
    1001: "seribu satu",
    1100: "seribu seratus",
    2000: "dua ribu",
    2024: "dua ribu dua puluh empat",
    11000: "sebelas ribu",
    100000: "seratus ribu",
    123456: "seratus dua puluh tiga ribu empat ratus lima puluh enam",
    1000000: "satu juta",
    2000001: "dua juta satu",
}


@pytest.mark.parametrize(("number", "words"), NUMBERS.items())
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("A007", "A tujuh"),
        ("A123", "A seratus dua puluh tiga"),
        ("B010", "B sepuluh"),
        ("C999", "C sembilan ratus sembilan puluh sembilan"),
        ("AB120", "A B seratus dua puluh"),
        ("a011", "A sebelas"),
        ("D000", "D nol"),
        ("E", "E"),
        ("A-12", "A satu dua"),  # not letters-then-digits: character by character
    ],
)
def test_code_words(code: str, words: str) -> None:
    assert code_words(code) == words


def test_the_default_sentence() -> None:
    assert call_sentence("A123", 3) == (
        "Nomor antrean A seratus dua puluh tiga, silakan menuju loket tiga."
    )


def test_a_site_wording_with_the_service_name() -> None:
    wording = "Antrean {code}, layanan {service}, ke loket {counter}."
    sentence = call_sentence("B012", 11, wording, {"B": "Akta Kelahiran"}, "B")
    assert sentence == "Antrean B dua belas, layanan Akta Kelahiran, ke loket sebelas."


@pytest.mark.parametrize("wording", ["Nomor {kode}", "{code", "   ", "{0}"])
def test_a_wording_that_cannot_be_filled_is_refused(wording: str) -> None:
    with pytest.raises(WordingError):
        check_wording(wording)


def test_words_are_looked_up_without_case_or_punctuation() -> None:
    assert words_of("Nomor antrean A tujuh, silakan!") == [
        "nomor", "antrean", "a", "tujuh", "silakan",
    ]
