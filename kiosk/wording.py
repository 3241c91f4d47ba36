"""Words on the paper, in Indonesian: dates, times, priority marks.

Thermal printers only know a code page, so text is also reduced to plain
ASCII here (a dash for an en dash, "..." for an ellipsis): what is printed
and what the PNG shows are then the same characters.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from antrean.vocabulary import Priority

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
# Indonesia's three zones, by UTC offset.
ZONES = {timedelta(hours=7): "WIB", timedelta(hours=8): "WITA", timedelta(hours=9): "WIT"}

PRIORITY_LABELS = {
    Priority.ELDERLY: "LANSIA",
    Priority.DISABLED: "DISABILITAS",
    Priority.PREGNANT: "IBU HAMIL",
    Priority.CHILD: "MEMBAWA ANAK",
    Priority.OTHER: "",
}

NO_BREAK = "\u00a0"  # a space the line is never broken at; printed as a plain space

_REPLACEMENTS = str.maketrans({
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
    "‘": "'", "’": "'", "“": '"', "”": '"',
    "…": "...", "±": "+/-", "•": "*", "·": "-", "×": "x",
    "\u202f": NO_BREAK,
})


def plain(text: str) -> str:
    """The text in printable ASCII, accents dropped and typographic marks simplified.

    No-break spaces are kept (NFKD would turn them into plain ones): the
    layout needs them and prints them as spaces.
    """
    return NO_BREAK.join(_ascii(part) for part in text.translate(_REPLACEMENTS).split(NO_BREAK))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c.isprintable() else "?" for c in kept)


def together(text: str) -> str:
    """The words kept on one line: 'sekitar 1 jam 5 menit' is never split."""
    return text.replace(" ", NO_BREAK)


def zone_name(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:
        return ""
    if offset in ZONES:
        return ZONES[offset]
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    return f"UTC{hours:+d}" + (f":{rest:02d}" if rest else "")


def long_date(moment: datetime) -> str:
    """'Selasa, 24 November 2026'."""
    return f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def clock_time(moment: datetime) -> str:
    """'10.05 WITA': Indonesian writes the hour and minutes with a dot."""
    return f"{moment:%H.%M} {zone_name(moment)}".rstrip()


def priority_mark(priority: Priority) -> tuple[str, ...]:
    """The lines that mark a priority ticket: 'PRIORITAS' and the kind, if named."""
    if not priority.is_priority:
        return ()
    label = PRIORITY_LABELS.get(priority, "")
    return ("PRIORITAS", label) if label else ("PRIORITAS",)
