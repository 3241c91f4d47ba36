"""The pages' words: Indonesian first, English for those who ask for it.

The words live in gettext catalogues, `locales/id.po` and `locales/en.po`,
one entry per phrase keyed by a short name (`t("next")`), so a translator
edits them with any .po editor and a new language is one more file. An area
of pages may keep its own words beside it (`<area>/locales/id.po`), read
together with these; a key is defined once across all of them. The
language is the person's choice (a cookie), Indonesian by default. Numbers,
dates and times are written the way each language writes them (Babel's
locale data: "1.234,5" and "Selasa, 1 Desember 2026" in Indonesian). The
queue's refusals come with both languages already (`antrean.refusals`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from fastapi import Request

from antrean.refusals import REASONS

LANGUAGES = ("id", "en")
LANGUAGE_COOKIE = "antrean_lang"
LOCALES = Path(__file__).parent / "locales"


CATALOGUES: list[Path] = [LOCALES]
"""Folders holding an `id.po` and an `en.po`: the pages' own, then each area's."""


def add_catalogues(folder: Path) -> None:
    """Read an area's own words too (`pages.area()` calls this for `<area>/locales`)."""
    if folder not in CATALOGUES:
        CATALOGUES.append(folder)
        catalogue.cache_clear()


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The language's phrases by key, the shared ones and every area's; read once per process."""
    # Each folder may keep an area's words in catalogues of their own, `{lang}-{area}.po`.
    phrases: dict[str, str] = {}
    where: dict[str, Path] = {}
    folders = [*CATALOGUES, *sorted(LOCALES.parent.glob("*/locales"))]
    for folder in dict.fromkeys(folders):
        for path in [folder / f"{lang}.po", *sorted(folder.glob(f"{lang}-*.po"))]:
            if not path.is_file():
                continue
            with path.open("rb") as file:
                read = read_po(file, locale=lang)
            for message in read:
                if not (message.id and message.string):
                    continue
                key = str(message.id)
                if key in phrases:
                    raise ValueError(f"the phrase {key!r} is defined in {where[key]} and {path}")
                phrases[key], where[key] = str(message.string), path
    return phrases


def language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else "id"


def translate(lang: str, key: str, **values: object) -> str:
    # A phrase missing from English falls back to Indonesian, never to the bare key.
    text = catalogue(lang).get(key) or catalogue("id")[key]
    return text.format(**values) if values else text


def number(lang: str, value: float, digits: int = 1) -> str:
    """1234.5 → "1.234,5" (id) or "1,234.5" (en)."""
    return format_decimal(round(value, digits), locale=lang)


def percent(lang: str, share: float) -> str:
    """0.153 → "15%" in either language's own way."""
    return format_percent(share, locale=lang)


def long_date(lang: str, day: date) -> str:
    """"Selasa, 1 Desember 2026" or "Tuesday, December 1, 2026"."""
    return format_date(day, format="EEEE, d MMMM y" if lang == "id" else "full", locale=lang)


def short_date(lang: str, day: date) -> str:
    return format_date(day, format="medium", locale=lang)


def clock(lang: str, moment: time | datetime) -> str:
    """A time of day as the language writes it ("14.05" in Indonesian)."""
    pattern = "HH.mm" if lang == "id" else "h:mm a"
    if isinstance(moment, datetime):
        return format_datetime(moment, pattern, locale=lang)
    return format_time(moment, pattern, locale=lang)


def refusal(lang: str, code: str) -> str:
    reason = REASONS.get(code) or REASONS["invalid_request"]
    return reason.en if lang == "en" else reason.id
