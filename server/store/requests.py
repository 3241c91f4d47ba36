"""The request log: a command's first answer, kept under the caller's request id.

A device that lost an answer sends the same command with the same id again;
it gets the answer it missed instead of a second ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.store import statements
from server.store.unit_of_work import UnitOfWork

IN_PROGRESS = 0
"""The status of a claimed request whose command has not answered yet."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def claim(work: UnitOfWork, caller: str, request_id: str, now: datetime) -> int | None:
    """Record a new request id and return its record's id; None if it is known already.

    On PostgreSQL this waits while a concurrent transaction holds the same id.
    """
    row = work.connection.row(
        statements.claim_request, {"by": caller, "request": request_id, "at": now}
    )
    return None if row is None else int(row[0])


def earlier_answer(work: UnitOfWork, caller: str, request_id: str) -> Answer:
    """The answer stored for a request id (status IN_PROGRESS while its command runs)."""
    row = work.connection.row(
        statements.earlier_request, {"caller": caller, "request_id": request_id}
    )
    if row is None:
        raise LookupError(f"no request {caller}/{request_id}")
    return Answer(int(row[0]), row[1] or {})


def keep(
    work: UnitOfWork, caller: str, request_id: str, now: datetime, status: int,
    body: dict[str, Any],
) -> None:
    """Keep a command's answer under a request id not claimed first; written with the
    commit, which fails with `AlreadyKept` if a twin's answer got there first."""
    work.with_commit(
        statements.keep_request,
        {"by": caller, "request": request_id, "at": now, "status": status, "body": body},
    )


def answer(work: UnitOfWork, record_id: int, status: int, body: dict[str, Any]) -> None:
    """Keep a command's answer under its request id; written with the commit."""
    work.with_commit(
        statements.answer_request, {"key": record_id, "status": status, "body": body}
    )


def forget_before(work: UnitOfWork, moment: datetime) -> int:
    """Drop request ids older than `moment`; how many went."""
    return len(work.connection.rows(statements.forget_requests, {"before": moment}))
