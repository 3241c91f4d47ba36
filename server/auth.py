"""Turning a bearer token into a Caller, for REST and sockets alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

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
