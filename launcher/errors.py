"""Ordinary mistakes answered in one line that says what to do, never a traceback.

Each program's command may fail because of the person's input or the machine
around it (an office that does not exist, a database that does not answer, a
port already taken). Those are explained here; anything else is a bug, and
its traceback is shown so it can be reported.
"""

from __future__ import annotations

import errno
from typing import Any


class CommandError(Exception):
    """A mistake a command found itself; its message is the one line to show."""


def one_line(error: BaseException) -> str | None:
    """What to tell the person, or None when the error is a bug."""
    if isinstance(error, CommandError | ValueError):
        return str(error)
    kind = type(error).__name__
    if kind == "QueueError":
        return _refusal(error)
    if kind in {"DatabaseUnavailable", "StorageUnavailable"}:
        first = str(error).strip().splitlines()[0] if str(error).strip() else kind
        return (
            f"the database cannot be used: {first}. Is the database server running, and is "
            "ANTREAN_DATABASE_URL right?"
        )
    if isinstance(error, PermissionError):
        where = error.filename or error
        return f"permission denied: {where} (run the command as the user that owns it)"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"the disk is full: {error.filename or ''} (free some space and try again)".strip()
    return None


def _refusal(error: Any) -> str:
    code = getattr(error, "code", "")
    details = getattr(error, "details", {}) or {}
    if code == "site_not_found":
        known = details.get("known") or []
        offices = ", ".join(known) if known else "none yet (create one with `antrean office apply`)"
        return f"there is no office {details.get('site')!r}; the offices are: {offices}"
    reason = getattr(error, "reason", None)
    words = getattr(reason, "en", code)
    facts = ", ".join(f"{k} {v}" for k, v in details.items() if k != "known")
    return f"{words}" + (f" ({facts})" if facts else "")
