"""The spoken call in words: numbers in Indonesian, ticket codes, the call's sentence.

Pure text, shared by the monitor wall and the server's browser wall so that
both say exactly the same sentence (and share one cached recording of it).

    >>> number_words(123)
    'seratus dua puluh tiga'
    >>> code_words("A007")
    'A tujuh'
    >>> call_sentence("A123", 3)
    'Nomor antrean A seratus dua puluh tiga, silakan menuju loket tiga.'
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

DEFAULT_WORDING = "Nomor antrean {code}, silakan menuju loket {counter}."
WORDING_FIELDS = frozenset({"code", "counter", "service"})

_UNITS = (
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
)
# "se-" stands for "satu" before puluh, belas, ratus and ribu ("seribu", not "satu ribu"),
# but not before juta and above ("satu juta").
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu"))

NUMBER_VOCABULARY = (
    *_UNITS, "sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu",
)
"""Every word `number_words` uses for numbers below a million: what a voice pack records."""


class WordingError(ValueError):
    """A call's wording template cannot be used."""


def number_words(number: int) -> str:
    """An integer in Indonesian words: 11 → 'sebelas', 2024 → 'dua ribu dua puluh empat'."""
    if number < 0:
        return "minus " + number_words(-number)
    if number < 1000:
        return _below_thousand(number) if number else "nol"
    words: list[str] = []
    rest = number
    for size, name in _SCALES:
        count, rest = divmod(rest, size)
        if not count:
            continue
        if size == 1000 and count == 1:
            words.append("seribu")
        else:
            words.append(f"{number_words(count)} {name}")
    if rest:
        words.append(_below_thousand(rest))
    return " ".join(words)


def _below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words = []
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words.append(f"{_UNITS[hundreds]} ratus")
    if rest:
        words.append(_below_hundred(rest))
    return " ".join(words)


def _below_hundred(number: int) -> str:
    if number < 10:
        return _UNITS[number]
    if number == 10:
        return "sepuluh"
    if number == 11:
        return "sebelas"
    if number < 20:
        return f"{_UNITS[number - 10]} belas"
    tens, units = divmod(number, 10)
    return f"{_UNITS[tens]} puluh" + (f" {_UNITS[units]}" if units else "")


_CODE = re.compile(r"^([A-Za-z]*)(\d*)$")


def code_words(code: str) -> str:
    """A ticket code as it is said: letters one by one, the number without its zeros.

    'A007' → 'A tujuh', 'AB120' → 'A B seratus dua puluh'. Anything that is not
    letters-then-digits is said character by character, digits as words.
    """
    code = code.strip()
    found = _CODE.match(code)
    if found is None or not code:
        return " ".join(
            number_words(int(c)) if c.isdigit() else c.upper() for c in code if c.isalnum()
        )
    letters, digits = found.groups()
    words = [letter.upper() for letter in letters]
    if digits:
        words.append(number_words(int(digits)))
    return " ".join(words)


def check_wording(wording: str) -> str:
    """The template, if it names only {code}, {counter} and {service}; else a WordingError."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(wording) if name is not None}
    except ValueError as error:
        raise WordingError(f"the wording {wording!r} is not a template: {error}") from None
    unknown = fields - WORDING_FIELDS
    if unknown:
        raise WordingError(
            "the wording may name {code}, {counter} and {service}, not "
            + ", ".join(f"{{{name}}}" for name in sorted(unknown))
        )
    if not wording.strip():
        raise WordingError("the wording is empty")
    return wording


def call_sentence(
    code: str,
    counter: int,
    wording: str = DEFAULT_WORDING,
    service_names: Mapping[str, str] | None = None,
    service: str = "",
) -> str:
    """The whole sentence: 'Nomor antrean A seratus dua puluh tiga, silakan menuju loket tiga.'"""
    name = (service_names or {}).get(service, service)
    return check_wording(wording).format(
        code=code_words(code), counter=number_words(counter), service=name
    ).strip()


def words_of(sentence: str) -> list[str]:
    """The sentence's words in lower case, punctuation dropped: how clips are looked up."""
    return re.findall(r"[a-z0-9]+", sentence.lower())
