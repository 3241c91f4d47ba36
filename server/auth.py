"""Turning a bearer token into a Caller, for REST and sockets alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.engine.errors import QueueError
from server.permissions import Caller
from server.security import (
    DEVICE_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    new_token,
    token_digest,
    verify_password,
)
from server.store import accounts
from server.store.accounts import TokenRecord, UserRecord
from server.store.unit_of_work import UnitOfWork


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
                return user_caller(user)
    raise QueueError("not_authenticated")


def user_caller(user: UserRecord) -> Caller:
    return Caller(label=f"user:{user.id}", site_id=user.site_id, role=user.role, user_id=user.id)


def sign_in(
    work: UnitOfWork, username: str, password: str, now: datetime, lifetime: timedelta
) -> tuple[str, TokenRecord, UserRecord]:
    user = accounts.user_by_name(work, username)
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise QueueError("invalid_credentials")
    token = new_token(USER_TOKEN_PREFIX)
    row = accounts.add_token(work, user.id, token_digest(token), now, now + lifetime)
    return token, row, user
