"""The pages' words: both catalogues complete, every key the pages use defined,
and numbers and dates written the way each language writes them."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

import pytest

from server.web.i18n import (
    LANGUAGES,
    catalogue,
    clock,
    long_date,
    number,
    percent,
    translate,
)

WEB = Path(__file__).resolve().parents[2] / "server" / "web"
USED = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")


def test_both_languages_have_the_same_phrases() -> None:
    assert set(catalogue("id")) == set(catalogue("en"))
    assert len(catalogue("id")) > 50


def test_every_phrase_a_page_uses_is_in_the_catalogue() -> None:
    used = {
        key
        for path in WEB.rglob("*")
        if path.suffix in {".html", ".py", ".js"}
        for key in USED.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "the pattern found no phrase at all"
    known = set(catalogue("id"))
    # A key ending in "_" is a prefix completed at run time (t("priority_" ~ kind)).
    missing = [
        key
        for key in used
        if not (any(k.startswith(key) for k in known) if key.endswith("_") else key in known)
    ]
    assert sorted(missing) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_agree_between_languages(lang: str) -> None:
    for key, text in catalogue(lang).items():
        assert set(re.findall(r"{(\w+)}", text)) == set(
            re.findall(r"{(\w+)}", catalogue("id")[key])
        ), key


def test_values_are_filled_in() -> None:
    assert translate("en", "done_next", code="A012", counter=3) == "A012 called to counter 3."
    assert translate("id", "done_next", code="A012", counter=3) == "A012 dipanggil ke loket 3."


def test_numbers_and_dates_in_each_language() -> None:
    assert number("id", 1234.56) == "1.234,6"
    assert number("en", 1234.56) == "1,234.6"
    assert percent("id", 0.153) == "15%"
    assert long_date("id", date(2026, 12, 1)) == "Selasa, 1 Desember 2026"
    assert long_date("en", date(2026, 12, 1)) == "Tuesday, December 1, 2026"
    assert clock("id", time(14, 5)) == "14.05"
    assert clock("en", time(14, 5)) == "2:05 PM"
