"""The texts citizens asked for: one per ticket, and how sending it went.

The notifier (server/notifier/) moves a notice along; because its state is
kept here, a server that restarts neither forgets a text it owes nor sends
one it sent already. The phone number is erased as soon as a notice ends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from server.store import statements
from server.store.rows import Shape
from server.store.statements import TICKET_NOTICES
from server.store.unit_of_work import UnitOfWork


class NoticeState(StrEnum):
    WAITING = "waiting"
    """Asked for; the ticket is not near the front yet."""
    DUE = "due"
    """Near the front: to send now, or again at `next_try_at` after a failed try."""
    SENDING = "sending"
    """Claimed by a server process, which is posting it."""
    SENT = "sent"
    FAILED = "failed"
    """Given up after the last try, or refused by the gateway."""
    DROPPED = "dropped"
    """The ticket left the line (called, cancelled, …) before the text went out."""

    @property
    def is_open(self) -> bool:
        return self in (NoticeState.WAITING, NoticeState.DUE, NoticeState.SENDING)


@dataclass(frozen=True)
class Notice:
    id: int
    ticket_id: int
    site_id: int
    phone: str | None
    state: NoticeState
    people_ahead: int | None
    attempts: int
    requested_at: datetime
    next_try_at: datetime | None
    claimed_at: datetime | None
    ended_at: datetime | None
    last_error: str | None


NOTICE = Shape(Notice, TICKET_NOTICES)


def _load(row: list[object]) -> Notice:
    notice = NOTICE.load(row)
    return replace(notice, state=NoticeState(notice.state))


def of_ticket(work: UnitOfWork, ticket_id: int, lock: bool = False) -> Notice | None:
    """`lock`: to change it, in a writing unit of work; on PostgreSQL the row is held
    until the commit, so two server processes never both act on what they read."""
    statement = statements.notice_of_ticket_locked if lock else statements.notice_of_ticket
    row = work.connection.row(statement, {"ticket_id": ticket_id})
    return None if row is None else _load(row)


def ask(work: UnitOfWork, ticket_id: int, site_id: int, phone: str, now: datetime) -> Notice:
    """Keep (or change) the number a ticket's text goes to; it waits for its turn to come near.

    A notice that has ended (sent, failed, dropped) is not asked again: one text per ticket.
    """
    found = of_ticket(work, ticket_id)
    if found is None:
        notice = Notice(
            0, ticket_id, site_id, phone, NoticeState.WAITING, None, 0, now,
            next_try_at=None, claimed_at=None, ended_at=None, last_error=None,
        )
        values = NOTICE.columns(notice, NOTICE.fields[1:])
        values["state"] = notice.state.value
        return replace(notice, id=work.insert(TICKET_NOTICES, values))
    if not found.state.is_open:
        raise ValueError(f"the notice of ticket {ticket_id} has ended ({found.state})")
    work.update(TICKET_NOTICES, found.id, {"phone": phone})
    return replace(found, phone=phone)


def withdraw(work: UnitOfWork, notice: Notice, now: datetime) -> Notice:
    """The citizen no longer wants the text: the number goes, nothing is sent."""
    return end(work, notice, NoticeState.DROPPED, now, "withdrawn by the citizen")


def in_state(work: UnitOfWork, site_id: int, state: NoticeState) -> list[Notice]:
    rows = work.connection.rows(statements.notices_in_state, {"site_id": site_id, "state": state})
    return [_load(row) for row in rows]


def make_due(work: UnitOfWork, notice: Notice, people_ahead: int, now: datetime) -> Notice:
    values = {"state": NoticeState.DUE.value, "people_ahead": people_ahead, "next_try_at": now}
    work.update(TICKET_NOTICES, notice.id, values)
    return replace(notice, state=NoticeState.DUE, people_ahead=people_ahead, next_try_at=now)


def claim_due(work: UnitOfWork, now: datetime, limit: int) -> list[Notice]:
    """Take up to `limit` notices due by `now` for this process to send (locked rows of
    another process's transaction are skipped; SQLite runs one writer at a time)."""
    rows = work.connection.rows(statements.due_notices, {"now": now, "limit": limit})
    claimed = []
    for row in rows:
        notice = _load(row)
        attempts = notice.attempts + 1
        work.update(
            TICKET_NOTICES, notice.id,
            {"state": NoticeState.SENDING.value, "claimed_at": now, "attempts": attempts},
        )
        claimed.append(
            replace(notice, state=NoticeState.SENDING, claimed_at=now, attempts=notice.attempts + 1)
        )
    return claimed


def retry_later(work: UnitOfWork, notice: Notice, at: datetime, error: str) -> None:
    work.update(
        TICKET_NOTICES, notice.id,
        {"state": NoticeState.DUE.value, "next_try_at": at, "last_error": error[:200]},
    )


def end(
    work: UnitOfWork, notice: Notice, state: NoticeState, now: datetime, error: str | None = None
) -> Notice:
    """Sent, failed or dropped: the number is erased."""
    values: dict[str, object] = {
        "state": state.value, "phone": None, "ended_at": now, "next_try_at": None,
    }
    if error is not None:
        values["last_error"] = error[:200]
    work.update(TICKET_NOTICES, notice.id, values)
    return replace(notice, state=state, phone=None, ended_at=now, next_try_at=None)


def any_open(work: UnitOfWork) -> bool:
    """Whether any notice, of any office, has not ended."""
    return bool(work.connection.rows(statements.open_notices, {}))


def end_open(work: UnitOfWork, now: datetime, reason: str) -> int:
    """Drop every notice not yet ended, of every office (their numbers are erased)."""
    rows = work.connection.rows(statements.open_notices, {})
    for row in rows:
        end(work, _load(row), NoticeState.DROPPED, now, reason)
    return len(rows)


def release_stale(work: UnitOfWork, before: datetime, now: datetime) -> int:
    """Notices claimed before `before` whose process died mid-send: due again now."""
    rows = work.connection.rows(statements.stale_sendings, {"before": before})
    for row in rows:
        notice = _load(row)
        work.update(
            TICKET_NOTICES, notice.id,
            {"state": NoticeState.DUE.value, "next_try_at": now,
             "last_error": "the server stopped while sending"},
        )
    return len(rows)


def sites_with_open(work: UnitOfWork) -> list[str]:
    """Codes of the offices with notices still waiting for their turn or due."""
    return [str(row[0]) for row in work.connection.rows(statements.sites_with_open_notices, {})]


def next_due(work: UnitOfWork) -> datetime | None:
    row = work.connection.row(statements.next_notice_due, {})
    return None if row is None else row[0]
