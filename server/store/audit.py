"""The audit log: who changed what in an office's set-up, when, from what to what.

Written in the same transaction as the change it records, so an entry exists
exactly when the change does. Read newest first, narrowed by office, person,
kind of thing and words in the subject, a page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from server.store import statements
from server.store.rows import Shape
from server.store.statements import AUDIT_LOG
from server.store.unit_of_work import UnitOfWork

KINDS = ("office", "service", "counter", "user", "device", "slide")
"""What an entry is about (the audit page filters on it)."""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    user_id: int | None
    site_id: int | None
    source: str
    kind: str
    subject: str
    before: Any
    after: Any


ENTRY = Shape(AuditEntry, AUDIT_LOG)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read; None leaves a condition out."""

    site_id: int | None = None
    user_id: int | None = None
    kind: str | None = None
    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, value in (
            ("site", self.site_id), ("user", self.user_id), ("kind", self.kind),
            ("since", self.since), ("until", self.until),
        ):
            if value is not None:
                found[name] = value
        if self.text:
            escaped = self.text.strip().lower()
            if escaped:
                found["text"] = f"%{escaped}%"
        return found


def add(work: UnitOfWork, entry: AuditEntry) -> AuditEntry:
    return replace(entry, id=work.insert(AUDIT_LOG, ENTRY.columns(entry, ENTRY.fields[1:])))


def entries(
    work: UnitOfWork, where: AuditFilter, limit: int = 50, offset: int = 0
) -> list[AuditEntry]:
    """Entries matching `where`, newest first."""
    params = where.params()
    statement = statements.audit_entries(frozenset(params))
    rows = work.connection.rows(statement, {**params, "limit": limit, "offset": offset})
    return [ENTRY.load(row) for row in rows]


def latest_id(work: UnitOfWork) -> int:
    row = work.connection.row(statements.latest_audit_id, {})
    return int(row[0]) if row is not None and row[0] is not None else 0


def sites_changed_after(work: UnitOfWork, entry_id: int) -> dict[int, int]:
    """Offices with entries after `entry_id`: each office's id and its newest entry."""
    rows = work.connection.rows(statements.audited_sites_since, {"after": entry_id})
    return {int(site_id): int(newest) for site_id, newest in rows}
