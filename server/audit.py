"""Who changes an office's set-up, and the audit entry each change leaves.

Every change an administrator makes — on the pages, with an office file or
with the `antrean` command — goes through a function that takes an `Author`
and writes one audit entry per thing changed, in the change's own
transaction.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.store import audit
from server.store.audit import AuditEntry
from server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Author:
    """Who made a change and how: `source` is "web", "file" or "command"."""

    label: str
    source: str
    user_id: int | None = None

    @classmethod
    def command_line(cls, source: str = "command") -> Author:
        """The person at the server's own keyboard, named by their system account."""
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "?"
        return cls(f"{name} (command line)", source)


def record(
    work: UnitOfWork,
    author: Author,
    now: datetime,
    kind: str,
    subject: str,
    before: Any,
    after: Any,
    site_id: int | None = None,
) -> AuditEntry:
    if kind not in audit.KINDS:
        raise ValueError(f"no audit kind {kind!r}")
    return audit.add(
        work,
        AuditEntry(
            id=0, at=now, actor=author.label[:120], user_id=author.user_id, site_id=site_id,
            source=author.source, kind=kind, subject=subject[:200], before=before, after=after,
        ),
    )
