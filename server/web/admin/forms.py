"""Reading the admin pages' forms: each field checked, each mistake said in words.

A form's values are read one field at a time; a mistake is noted against its
field in the person's language and reading goes on, so the page shows every
mistake at once beside its field. The office file's own rules (the same
pydantic models `antrean office apply` reads) check what is built from the
form afterwards; what they refuse is turned into the same kind of message.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from server.engine.schedule import WEEKDAYS
from server.office.file import normal_range, parse_range
from server.web.i18n import translate

RANGE_SPLIT = re.compile(r"[,;\n]+")
DATE_SPLIT = re.compile(r"[,;\s]+")
DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class FormErrors(Exception):
    """The form has mistakes: field name → what is wrong, in the person's language."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


class Form:
    """The submitted values of one form and the mistakes found reading them."""

    def __init__(self, values: Mapping[str, Any], lang: str) -> None:
        self.values = {k: v for k, v in values.items() if isinstance(v, str)}
        self.lang = lang
        self.errors: dict[str, str] = {}

    def wrong(self, field: str, key: str, **values: object) -> None:
        self.errors.setdefault(field, translate(self.lang, key, **values))

    def raw(self, field: str) -> str:
        return self.values.get(field, "")

    def text(self, field: str, max_length: int, required: bool = False) -> str:
        value = self.raw(field).strip()
        if required and not value:
            self.wrong(field, "admin_err_required")
        elif len(value) > max_length:
            self.wrong(field, "admin_err_too_long", max=max_length)
        return value[:max_length]

    def lines(self, field: str, max_length: int, most: int = 50) -> list[str]:
        found = [line.strip() for line in self.raw(field).splitlines() if line.strip()]
        if any(len(line) > max_length for line in found):
            self.wrong(field, "admin_err_line_too_long", max=max_length)
        if len(found) > most:
            self.wrong(field, "admin_err_too_many_lines", max=most)
        return found

    def whole(
        self, field: str, least: int, most: int, required: bool = False
    ) -> int | None:
        text = self.raw(field).strip()
        if not text:
            if required:
                self.wrong(field, "admin_err_required")
            return None
        if not text.isdigit():
            self.wrong(field, "admin_err_whole")
            return None
        value = int(text)
        if value < least:
            self.wrong(field, "admin_err_min", min=least)
        elif value > most:
            self.wrong(field, "admin_err_max", max=most)
        return value

    def decimal(self, field: str, above: float, most: float) -> float | None:
        text = self.raw(field).strip().replace(",", ".")
        if not text:
            self.wrong(field, "admin_err_required")
            return None
        try:
            value = float(text)
        except ValueError:
            self.wrong(field, "admin_err_number")
            return None
        if not above < value <= most:
            self.wrong(field, "admin_err_between", min=above, max=most)
        return value

    def checked(self, field: str) -> bool:
        return self.raw(field) in ("on", "1", "true", "yes")

    def ranges(self, field: str) -> list[str]:
        """Time ranges such as "07:30-12:00, 13:00-16:00", written back the usual way."""
        found: list[str] = []
        for part in RANGE_SPLIT.split(self.raw(field)):
            if not part.strip():
                continue
            try:
                found.append(normal_range(part.strip()))
            except ValueError:
                self.wrong(field, "admin_err_time_range", text=part.strip()[:20])
                return []
        spans = sorted((parse_range(text) for text in found), key=lambda r: r.start)
        for earlier, later in pairwise(spans):
            if later.start < earlier.end:
                self.wrong(field, "admin_err_overlap")
                return []
        return sorted(found, key=lambda text: parse_range(text).start)

    def week(self, prefix: str) -> dict[str, list[str]]:
        """A weekday's ranges from each of `<prefix>_mon` … `<prefix>_sun`."""
        return {day: self.ranges(f"{prefix}_{day}") for day in WEEKDAYS}

    def dates(self, field: str) -> list[str]:
        """Dates as 2026-12-25 (or 25-12-2026), one per line or separated by commas."""
        found: set[date] = set()
        for part in DATE_SPLIT.split(self.raw(field)):
            if not part:
                continue
            day = read_date(part)
            if day is None:
                self.wrong(field, "admin_err_date", text=part[:20])
                continue
            found.add(day)
        return [day.isoformat() for day in sorted(found)]

    def check(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def read_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = DAY_FIRST.match(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def week_text(hours: Mapping[str, list[str]] | None) -> dict[str, str]:
    """Each weekday's ranges as one line for a form field."""
    return {day: ", ".join((hours or {}).get(day, [])) for day in WEEKDAYS}


def explained(error: ValidationError, lang: str, fields: Mapping[str, str]) -> FormErrors:
    """The office file's refusal of what a form built, said against the form's fields.

    `fields` maps the last part of a refused location (`daily_quota`) to the
    form's field; what matches none is said against the whole form ("")."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ())]
        field = next((fields[p] for p in reversed(location) if p in fields), "")
        kind = problem.get("type", "")
        context = problem.get("ctx") or {}
        if kind in ("missing", "string_too_short"):
            words = translate(lang, "admin_err_required")
        elif kind == "string_too_long":
            words = translate(lang, "admin_err_too_long", max=context.get("max_length", "?"))
        elif kind in ("greater_than_equal", "greater_than"):
            least = context.get("ge", context.get("gt", "?"))
            words = translate(lang, "admin_err_min", min=least)
        elif kind in ("less_than_equal", "less_than"):
            words = translate(lang, "admin_err_max", max=context.get("le", context.get("lt", "?")))
        elif kind in ("int_parsing", "int_from_float", "float_parsing"):
            words = translate(lang, "admin_err_number")
        elif kind == "string_pattern_mismatch":
            words = translate(lang, "admin_err_pattern")
        else:
            detail = str(problem.get("msg", "")).removeprefix("Value error, ")
            words = translate(lang, "admin_err_other", detail=detail)
        errors.setdefault(field, words)
    return FormErrors(errors)


def version_of(value: Any) -> str:
    """A short fingerprint of what a form was opened on, to notice someone else's change."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
