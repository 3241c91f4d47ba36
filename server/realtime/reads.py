"""The database work behind a socket, each in its own short transaction (run in a thread)."""

from __future__ import annotations

from datetime import datetime

from antrean.protocol import EventView, QueueSnapshot
from server.auth import caller_for_token, token_verdicts
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.engine.model import Site
from server.engine.views import event_view, snapshot
from server.permissions import Action, Caller, authorize
from server.store.database import Database
from server.store.unit_of_work import UnitOfWork


class SiteRequired(Exception):
    """The caller works for no one office and did not say which to watch."""


def authenticate(db: Database, token: str, site: str | None, now: datetime) -> tuple[Caller, str]:
    """The caller behind `token` and the code of the office it watches."""
    with db.reading() as work:
        caller = caller_for_token(work, token, now)
        if site is not None:
            found = _named_site(work, caller, site)
        elif caller.site_id is not None:
            found = work.site_by_id(caller.site_id)
        else:
            raise SiteRequired
        authorize(caller, Action.VIEW, found.id)
        return caller, found.code


def _named_site(work: UnitOfWork, caller: Caller, code: str) -> Site:
    """The office a hello names; a device told of its own office when it names another."""
    found = work.site(code)
    own = work.site_by_id(caller.site_id).code if caller.site_id is not None else None
    if found is None:
        raise QueueError("site_not_found", {"site": code, **({"your_site": own} if own else {})})
    if own is not None and found.code != own:
        raise QueueError("forbidden", {"site": code, "your_site": own})
    return found


def still_valid(db: Database, tokens: list[str], now: datetime) -> list[QueueError | None]:
    """For each token, None if it still works, else why not (revoked, expired)."""
    with db.reading() as work:
        verdicts = token_verdicts(work, tokens, now)
    return [verdicts[token] for token in tokens]


def read_snapshot(db: Database, site: str, now: datetime) -> QueueSnapshot:
    with db.reading() as work:
        return snapshot(work, find_site(work, site), now)


def load_events(db: Database, site: str, after: int, limit: int) -> list[EventView]:
    with db.reading() as work:
        found = find_site(work, site)
        return [event_view(found.code, e) for e in work.events_since(found.id, after, limit)]
