"""What the reports read: an office's events over a span of time, and the daily notes.

`happenings` reads events by time (the `ix_events_site_at` index) with only the
columns and facts a report folds; `bare_events` reads the same rows whole, the
yardstick a report's time is measured against (bench/reports.py). Notes are
kept as revisions: the latest of a day is the note, the others its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from server.store import statements
from server.store.statements import REPORT_NOTES
from server.store.unit_of_work import UnitOfWork


class Happening(NamedTuple):
    """One event as the reports fold it.

    `fact`: the service of `issued`, the new service of `transferred`, the state
    of `counter_changed`. `extra`: the priority of `issued`, the answer of `rated`.
    """

    type: str
    at: datetime
    ticket_id: int | None
    counter_id: int | None
    actor: str | None
    fact: str | None
    extra: str | None


def happenings(work: UnitOfWork, site_id: int, since: datetime, until: datetime) -> list[Happening]:
    """The office's events with `since <= at < until`, in `seq` order."""
    params = {"site_id": site_id, "since": since, "until": until}
    return list(map(Happening._make, work.connection.rows(statements.history, params)))


def bare_events(work: UnitOfWork, site_id: int, since: datetime, until: datetime) -> int:
    """Read the same events whole, as stored, and say how many there were."""
    params = {"site_id": site_id, "since": since, "until": until}
    return len(work.connection.rows(statements.bare_events, params))


@dataclass(frozen=True)
class NoteRevision:
    """One save of a day's notes: what was written, by whom, when."""

    site_id: int
    local_day: date
    obstacles: str
    follow_up: str
    written_at: datetime
    written_by: int | None
    id: int = 0


_NOTE_COLUMNS = tuple(column.key for column in REPORT_NOTES.columns)


def note_revisions(
    work: UnitOfWork, site_id: int, first_day: date, last_day: date
) -> list[NoteRevision]:
    """Every save of the notes of those days, oldest first within each day."""
    params = {"site_id": site_id, "first_day": first_day, "last_day": last_day}
    found = []
    for row in work.connection.rows(statements.report_notes_between, params):
        values: dict[str, Any] = dict(zip(_NOTE_COLUMNS, row, strict=True))
        found.append(NoteRevision(**values))
    return found


def save_note(work: UnitOfWork, note: NoteRevision) -> NoteRevision:
    """Keep a new revision of a day's notes (the earlier ones stay, as its history)."""
    values: dict[str, Any] = {
        "site_id": note.site_id,
        "local_day": note.local_day,
        "obstacles": note.obstacles,
        "follow_up": note.follow_up,
        "written_at": note.written_at,
        "written_by": note.written_by,
    }
    new_id = work.insert(REPORT_NOTES, values)
    return NoteRevision(**{**values, "id": new_id})
