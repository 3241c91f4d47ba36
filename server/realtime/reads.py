"""The database work behind a socket, each in its own short transaction (run in a thread)."""

from __future__ import annotations

from datetime import datetime

from antrean.protocol import EventView, QueueSnapshot
from server.auth import caller_for_token, token_verdicts
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.engine.views import event_view, snapshot
from server.permissions import Action, Caller, authorize
from server.store.database import Database
from server.store.repository import SqlRepository


class SiteRequired(Exception):
    """The caller works for no one office and did not say which to watch."""


def authenticate(db: Database, token: str, site: str | None, now: datetime) -> tuple[Caller, str]:
    """The caller behind `token` and the code of the office it watches."""
    with db.reading() as session:
        caller = caller_for_token(session, token, now)
        repo = SqlRepository(session)
        if site is not None:
            found = find_site(repo, site)
        elif caller.site_id is not None:
            found = repo.site_by_id(caller.site_id)
        else:
            raise SiteRequired
        assert found.id is not None
        authorize(caller, Action.VIEW, found.id)
        return caller, found.code


def still_valid(db: Database, tokens: list[str], now: datetime) -> list[QueueError | None]:
    """For each token, None if it still works, else why not (revoked, expired)."""
    with db.reading() as session:
        verdicts = token_verdicts(session, tokens, now)
    return [verdicts[token] for token in tokens]


def read_snapshot(db: Database, site: str, now: datetime) -> QueueSnapshot:
    with db.reading() as session:
        repo = SqlRepository(session)
        return snapshot(repo, find_site(repo, site), now)


def load_events(db: Database, site: str, after: int, limit: int) -> list[EventView]:
    with db.reading() as session:
        repo = SqlRepository(session)
        found = find_site(repo, site)
        return [event_view(found.code, e) for e in repo.events_since(found.id or 0, after, limit)]
