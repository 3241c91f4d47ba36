"""Words on the paper, in Indonesian: times and priority marks (the date and the
zone are `antrean.wording`'s, as on the wall).

Thermal printers only know a code page, so text is also reduced to plain
ASCII here (a dash for an en dash, "..." for an ellipsis): what is printed
and what the PNG shows are then the same characters.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from antrean.vocabulary import Priority
from antrean.wording import zone_name

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


def clock_time(moment: datetime) -> str:
    """'10.05 WITA': Indonesian writes the hour and minutes with a dot."""
    return f"{moment:%H.%M} {zone_name(moment)}".rstrip()


def priority_mark(priority: Priority) -> tuple[str, ...]:
    """The lines that mark a priority ticket: 'PRIORITAS' and the kind, if named."""
    if not priority.is_priority:
        return ()
    label = PRIORITY_LABELS.get(priority, "")
    return ("PRIORITAS", label) if label else ("PRIORITAS",)
