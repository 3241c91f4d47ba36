"""Turning a bearer token into a Caller, for REST and sockets alike; revoking one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from server.engine.errors import QueueError
from server.permissions import Caller
from server.security import (
    DEVICE_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    new_token,
    token_digest,
    verify_password,
)
from server.store.models import Device, User, UserToken

ACCESS_CHANNEL = "antrean_access"
"""PostgreSQL NOTIFY channel on which revocations reach every server process."""
VERDICT_BATCH = 500


def caller_for_token(session: Session, token: str, now: datetime) -> Caller:
    digest = token_digest(token)
    if token.startswith(DEVICE_TOKEN_PREFIX):
        device = session.exec(select(Device).where(Device.token_hash == digest)).first()
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
        row = session.exec(select(UserToken).where(UserToken.token_hash == digest)).first()
        if row is not None and not row.revoked and row.expires_at > now:
            user = session.get(User, row.user_id)
            if user is not None and user.active:
                return user_caller(user)
    raise QueueError("not_authenticated")


def token_verdicts(
    session: Session, tokens: Iterable[str], now: datetime
) -> dict[str, QueueError | None]:
    """For each token, None if it still works, else why not: one query per few hundred."""
    verdicts: dict[str, QueueError | None] = {}
    wanted = list(dict.fromkeys(tokens))
    for start in range(0, len(wanted), VERDICT_BATCH):
        batch = {token_digest(t): t for t in wanted[start : start + VERDICT_BATCH]}
        for token in batch.values():
            verdicts[token] = QueueError("not_authenticated")
        devices = session.exec(
            select(Device.token_hash, Device.revoked_at).where(
                col(Device.token_hash).in_(batch)
            )
        )
        for digest, revoked_at in devices:
            verdicts[batch[digest]] = None if revoked_at is None else QueueError("device_revoked")
        users = session.exec(
            select(UserToken.token_hash, UserToken.revoked, UserToken.expires_at, User.active)
            .join(User, col(User.id) == col(UserToken.user_id))
            .where(col(UserToken.token_hash).in_(batch))
        )
        for digest, revoked, expires_at, active in users:
            if not revoked and active and expires_at > now:
                verdicts[batch[digest]] = None
    return verdicts


def announce_revoked(session: Session, device_id: int) -> None:
    """Tell every server process, so a revoked device's socket closes at once.

    On PostgreSQL the notice is sent at commit (and never if the revocation is
    rolled back); each process listens with the events' LISTEN connection.
    Processes on SQLite have no such channel: they look for revocations every
    `ws_access_check_seconds` instead.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": ACCESS_CHANNEL, "payload": json.dumps({"device": device_id})},
        )


def user_caller(user: User) -> Caller:
    return Caller(label=f"user:{user.id}", site_id=user.site_id, role=user.role, user_id=user.id)


def sign_in(
    session: Session, username: str, password: str, now: datetime, lifetime: timedelta
) -> tuple[str, UserToken, User]:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise QueueError("invalid_credentials")
    token = new_token(USER_TOKEN_PREFIX)
    row = UserToken(
        user_id=user.id or 0,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    return token, row, user
