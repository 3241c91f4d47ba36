"""What the ticket page says, in the citizen's language: the first page and every live
update are worded here, so the two never disagree.

The phrases themselves live in `locales/` beside this module (joined to the
pages' catalogue by server/web/i18n.py).
"""

from __future__ import annotations

import re
from typing import Any

from antrean.vocabulary import TicketStatus
from antrean.wording import rounded_wait
from server.web.citizen.board import CitizenStatus
from server.web.i18n import clock, translate

AT_COUNTER = (TicketStatus.CALLED, TicketStatus.SERVING)


def wait_words(lang: str, minutes: float | None) -> str | None:
    """The estimated wait rounded as the ticket and the display round it
    (antrean.wording): 'sekitar 25 menit', 'sekitar 1 jam 5 menit', 'sebentar lagi'."""
    rounded = rounded_wait(minutes)
    if rounded is None:
        return None
    if rounded == 0:
        return translate(lang, "wait_under_a_minute")
    if rounded < 60:
        return translate(lang, "wait_minutes", minutes=rounded)
    hours, rest = divmod(rounded, 60)
    if not rest:
        return translate(lang, "wait_hours", hours=hours)
    return translate(lang, "wait_hours_minutes", hours=hours, minutes=rest)


def ahead_words(lang: str, ahead: int | None) -> str | None:
    if ahead is None:
        return None
    if ahead == 0:
        return translate(lang, "ahead_none")
    if ahead == 1:
        return translate(lang, "ahead_one")
    return translate(lang, "ahead_people", n=ahead)


def hint(lang: str, status: CitizenStatus) -> str:
    """One sentence on what to do now."""
    counter = status.view.counter
    if status.status in AT_COUNTER and counter is not None:
        return translate(lang, f"hint_{status.status.value}", counter=counter)
    if status.status == TicketStatus.WAITING and status.view.estimated_wait_minutes is None:
        return translate(lang, "hint_waiting_no_counter")
    return translate(lang, f"hint_{status.status.value}")


def live_words(lang: str, status: CitizenStatus, updated: Any) -> dict[str, Any]:
    """A live update for the page's script: the facts, and every word it shows."""
    view = status.view
    at_counter = view.status in AT_COUNTER and view.counter is not None
    words: dict[str, Any] = {
        "type": "status",
        "status": view.status.value,
        "status_words": translate(lang, f"ticket_status_{view.status.value}"),
        "hint": hint(lang, status),
        "code": view.code,
        "counter": view.counter if at_counter else None,
        "calls": status.call_count,
        "ahead": view.people_ahead,
        "ahead_words": ahead_words(lang, view.people_ahead),
        "wait_words": wait_words(lang, view.estimated_wait_minutes)
        or (translate(lang, "wait_unknown") if view.status == TicketStatus.WAITING else None),
        "near": status.near,
        "updated": clock(lang, updated),
    }
    if at_counter:
        words["alert_title"] = translate(lang, "alert_called_title", code=view.code)
        words["alert_body"] = translate(lang, "alert_called_body", counter=view.counter)
    elif status.near:
        words["alert_title"] = translate(lang, "alert_near_title", code=view.code)
        words["alert_body"] = ahead_words(lang, view.people_ahead)
    return words


_SEPARATORS = re.compile(r"[\n;]+")
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")


def requirement_items(text: str) -> list[str]:
    """The papers to bring, one item each, from the office's free text.

    Lines or semicolons separate items where the office used them; otherwise
    commas do, except inside parentheses ("KTP lama (untuk perubahan, bila
    ada)" stays one item), and so does the end of a sentence.
    """
    items: list[str] = []
    if _SEPARATORS.search(text.strip()):
        items = _SEPARATORS.split(text)
    else:
        for sentence in _SENTENCE_END.split(text):
            items.extend(_split_commas(sentence))
    cleaned = (item.strip().rstrip(".").strip() for item in items)
    return [item[0].upper() + item[1:] for item in cleaned if item]


def _split_commas(text: str) -> list[str]:
    pieces, depth, start = [], 0, 0
    for at, character in enumerate(text):
        if character == "(":
            depth += 1
        elif character == ")":
            depth = max(0, depth - 1)
        elif character == "," and depth == 0:
            pieces.append(text[start:at])
            start = at + 1
    pieces.append(text[start:])
    return pieces
