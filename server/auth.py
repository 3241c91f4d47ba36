"""Bearer tokens: signing in for one, turning one into a Caller, revoking one."""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from server.engine.errors import QueueError
from server.permissions import Caller
from server.security import (
    DEVICE_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from server.store import accounts, notifications
from server.store.accounts import TokenRecord, UserRecord
from server.store.unit_of_work import UnitOfWork

ACCESS_CHANNEL = "antrean_access"
"""PostgreSQL NOTIFY channel on which revocations reach every server process."""
VERDICT_BATCH = 10_000
THROTTLE_MAX_TRACKED = 10_000


def caller_for_token(work: UnitOfWork, token: str, now: datetime) -> Caller:
    digest = token_digest(token)
    if token.startswith(DEVICE_TOKEN_PREFIX):
        device = accounts.device_by_hash(work, digest)
        if device is None:
            raise QueueError("not_authenticated")
        if device.revoked_at is not None:
            raise QueueError("device_revoked")
        return Caller(
            label=f"device:{device.id}",
            site_id=device.site_id,
            device_kind=device.kind,
            counters=frozenset(device.counter_numbers),
            device_id=device.id,
        )
    if token.startswith(USER_TOKEN_PREFIX):
        row = accounts.token_by_hash(work, digest)
        if row is not None and not row.revoked and row.expires_at > now:
            user = accounts.user_by_id(work, row.user_id)
            if user is not None and user.active:
                return user_caller(user, accounts.other_sites(work, user.id))
    raise QueueError("not_authenticated")


def token_verdicts(
    work: UnitOfWork, tokens: Iterable[str], now: datetime
) -> dict[str, QueueError | None]:
    """For each token, None if it still works, else why not: one query for thousands."""
    verdicts: dict[str, QueueError | None] = {}
    wanted = list(dict.fromkeys(tokens))
    for start in range(0, len(wanted), VERDICT_BATCH):
        batch = {token_digest(t): t for t in wanted[start : start + VERDICT_BATCH]}
        for token in batch.values():
            verdicts[token] = QueueError("not_authenticated")
        for digest, access in accounts.token_access(work, list(batch)).items():
            if access.device:
                verdicts[batch[digest]] = QueueError("device_revoked") if access.revoked else None
            elif access.works_at(now):
                verdicts[batch[digest]] = None
    return verdicts


def announce_revoked(work: UnitOfWork, device_id: int) -> None:
    """Tell every server process, so a revoked device's socket closes at once.

    On PostgreSQL the notice is sent at commit (and never if the revocation is
    rolled back); each process listens with the events' LISTEN connection.
    Processes on SQLite have no such channel: they look for revocations every
    `ws_access_check_seconds` instead.
    """
    notifications.announce(work, ACCESS_CHANNEL, json.dumps({"device": device_id}))


def user_caller(user: UserRecord, other_sites: Iterable[int] = ()) -> Caller:
    # Further sites matter only beside a site of one's own (no site: every site).
    further = frozenset(other_sites) - {user.site_id} if user.site_id is not None else frozenset()
    return Caller(
        label=f"user:{user.id}", site_id=user.site_id, role=user.role, user_id=user.id,
        other_sites=further,
    )


def sign_in(
    work: UnitOfWork, username: str, password: str, now: datetime, lifetime: timedelta
) -> tuple[str, TokenRecord, UserRecord]:
    user = accounts.user_by_name(work, username)
    # The password is checked against something whether or not the user exists,
    # so the answer's time does not tell which user names are real.
    stored = user.password_hash if user is not None else _stand_in_hash()
    matches = verify_password(password, stored)
    if user is None or not user.active or not matches:
        raise QueueError("invalid_credentials")
    token = new_token(USER_TOKEN_PREFIX)
    row = accounts.add_token(work, user.id, token_digest(token), now, now + lifetime)
    return token, row, user


@cache
def _stand_in_hash() -> str:
    """A hash made like every user's, to check unknown user names against."""
    return hash_password(new_token("stand-in_"))


class SignInThrottle:
    """Failed sign-ins counted per user name and per client address, in a sliding window.

    When either has failed `limit` times within `window`, further tries are
    refused without checking the password until the oldest failure is older
    than the window; the refusal says how long. A success clears its user
    name's count. Kept in the process's memory: with several server processes
    each counts on its own.
    """

    def __init__(
        self,
        per_user: int,
        per_address: int,
        window: timedelta,
        max_tracked: int = THROTTLE_MAX_TRACKED,
    ) -> None:
        self.limits = {"user": per_user, "address": per_address}
        self.window = window
        self.max_tracked = max_tracked
        self._failures: dict[tuple[str, str], deque[datetime]] = {}

    def wait(self, username: str, address: str, now: datetime) -> int:
        """Seconds until this user name may try from this address again (0: now)."""
        longest = 0.0
        for key in self._keys(username, address):
            failures = self._recent(key, now)
            if failures is not None and len(failures) >= self.limits[key[0]]:
                longest = max(longest, (failures[0] + self.window - now).total_seconds())
        return math.ceil(longest)

    def failed(self, username: str, address: str, now: datetime) -> None:
        for key in self._keys(username, address):
            failures = self._recent(key, now)
            if failures is None:
                if len(self._failures) >= self.max_tracked:
                    self._forget_oldest(now)
                failures = self._failures[key] = deque()
            failures.append(now)

    def succeeded(self, username: str) -> None:
        self._failures.pop(("user", _name_key(username)), None)

    def _keys(self, username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", _name_key(username)), ("address", address)

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def _forget_oldest(self, now: datetime) -> None:
        # A flood of made-up names must not grow without end: drop what has
        # expired, then the longest-tracked.
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= self.max_tracked:
            del self._failures[next(iter(self._failures))]


def _name_key(username: str) -> str:
    return username.strip().casefold()
