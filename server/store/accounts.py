"""Users, their sign-in tokens, and devices: who may talk to the server.

Tokens are kept as SHA-256 digests only (server/security.py makes them), so a
copied database holds no working token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from antrean.vocabulary import DeviceKind, Role
from server.store import statements
from server.store.rows import Shape, Stored
from server.store.statements import DEVICES, USER_SITES, USER_TOKENS, USERS
from server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    full_name: str
    role: Role
    password_hash: str
    site_id: int | None
    active: bool


@dataclass(frozen=True)
class TokenRecord:
    id: int
    user_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True)
class DeviceRecord:
    id: int
    site_id: int
    kind: DeviceKind
    name: str
    token_hash: str
    counter_numbers: tuple[int, ...]
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    # The device's last report, with `reported_at`.
    health: Mapping[str, Any]


USER = Shape(UserRecord, USERS)
TOKEN = Shape(TokenRecord, USER_TOKENS)
DEVICE = Shape(DeviceRecord, DEVICES, [Stored("counter_numbers", "counter_numbers", tuple, list)])


# --- users -------------------------------------------------------------------------


def user_by_name(work: UnitOfWork, username: str) -> UserRecord | None:
    row = work.connection.row(statements.user_by_name, {"username": username})
    return None if row is None else USER.load(row)


def user_by_id(work: UnitOfWork, user_id: int) -> UserRecord | None:
    row = work.connection.row(statements.user_by_id, {"id": user_id})
    return None if row is None else USER.load(row)


def add_user(
    work: UnitOfWork,
    username: str,
    password_hash: str,
    role: Role,
    site_id: int | None,
    full_name: str = "",
) -> UserRecord:
    user = UserRecord(0, username, full_name, role, password_hash, site_id, active=True)
    return replace(user, id=work.insert(USERS, USER.columns(user, USER.fields[1:])))


def users(work: UnitOfWork) -> list[UserRecord]:
    """Every user, by name."""
    return [USER.load(row) for row in work.connection.rows(statements.all_users, {})]


def update_user(work: UnitOfWork, user_id: int, **values: Any) -> None:
    """Change some of a user's columns (role, full_name, site_id, active, password_hash)."""
    unknown = set(values) - set(USER.fields[2:])
    if unknown:
        raise ValueError(f"a user has no {sorted(unknown)}")
    work.update(USERS, user_id, values)


def other_sites(work: UnitOfWork, user_id: int) -> tuple[int, ...]:
    """The further offices a user may act at, besides their own `site_id`."""
    rows = work.connection.rows(statements.sites_of_user, {"user_id": user_id})
    return tuple(int(site_id) for (site_id,) in rows)


def every_users_other_sites(work: UnitOfWork) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for user_id, site_id in work.connection.rows(statements.all_user_sites, {}):
        found.setdefault(int(user_id), []).append(int(site_id))
    return {user_id: tuple(sites) for user_id, sites in found.items()}


def set_other_sites(work: UnitOfWork, user_id: int, site_ids: Sequence[int]) -> None:
    work.require_writable()
    work.connection.run(statements.delete_user_sites, {"user_id": user_id})
    insert = statements.insert_row(USER_SITES, False)
    for site_id in sorted(set(site_ids)):
        work.connection.run(
            insert, statements.new_values({"user_id": user_id, "site_id": site_id})
        )


# --- sign-in tokens ----------------------------------------------------------------


def token_by_hash(work: UnitOfWork, token_hash: str) -> TokenRecord | None:
    row = work.connection.row(statements.user_token_by_hash, {"token_hash": token_hash})
    return None if row is None else TOKEN.load(row)


def add_token(
    work: UnitOfWork, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
) -> TokenRecord:
    token = TokenRecord(0, user_id, token_hash, created_at, expires_at, revoked=False)
    return replace(token, id=work.insert(USER_TOKENS, TOKEN.columns(token, TOKEN.fields[1:])))


def revoke_token(work: UnitOfWork, token_hash: str) -> None:
    """Stop a sign-in token from working (signing out); an unknown one is let be."""
    token = token_by_hash(work, token_hash)
    if token is not None and not token.revoked:
        work.update(USER_TOKENS, token.id, {"revoked": True})


@dataclass(frozen=True)
class Access:
    """What decides whether a token still works."""

    device: bool
    revoked: bool
    expires_at: datetime | None = None  # a user's token
    user_active: bool = True

    def works_at(self, now: datetime) -> bool:
        if self.revoked or not self.user_active:
            return False
        return self.expires_at is None or self.expires_at > now


ACCESS_BATCH = 8192
"""Tokens per statement: more sockets than one process holds (and twice as many
parameters, under SQLite's limit of 32,766)."""


def token_access(work: UnitOfWork, token_hashes: Sequence[str]) -> dict[str, Access]:
    """Each known token (by hash) with what decides whether it works; unknown ones
    are left out. One statement for up to ACCESS_BATCH tokens: a process's periodic
    check of its open sockets is one query, however many are open."""
    found: dict[str, Access] = {}
    for start in range(0, len(token_hashes), ACCESS_BATCH):
        batch = token_hashes[start : start + ACCESS_BATCH]
        size = statements.padded_size(len(batch))
        # Padding repeats the last hash: the same row found twice changes nothing.
        params = {f"hash_{n}": batch[min(n, len(batch) - 1)] for n in range(size)}
        rows = work.connection.rows(statements.token_access(size), params)
        for digest, device, revoked, expires_at, active in rows:
            found[digest] = Access(
                device=bool(device), revoked=bool(revoked), expires_at=expires_at,
                user_active=bool(active),
            )
    return found


# --- devices -----------------------------------------------------------------------


def device_by_hash(work: UnitOfWork, token_hash: str) -> DeviceRecord | None:
    """The device with this token; its office is kept by the unit of work, so the
    command that follows finds it without a read of its own."""
    row = work.connection.row(statements.device_and_site_by_hash, {"token_hash": token_hash})
    if row is None:
        return None
    width = len(statements.DEVICES.columns)
    if row[width] is not None:
        work.keep_site(row[width:])
    return DEVICE.load(row[:width])


def device(work: UnitOfWork, device_id: int) -> DeviceRecord | None:
    row = work.connection.row(statements.device_by_id, {"id": device_id})
    return None if row is None else DEVICE.load(row)


def devices(work: UnitOfWork, name: str | None = None) -> list[DeviceRecord]:
    """Every registered device (or those with this name), oldest first."""
    if name is None:
        rows = work.connection.rows(statements.all_devices, {})
    else:
        rows = work.connection.rows(statements.devices_by_name, {"name": name})
    return [DEVICE.load(row) for row in rows]


def add_device(
    work: UnitOfWork,
    site_id: int,
    kind: DeviceKind,
    name: str,
    token_hash: str,
    counter_numbers: tuple[int, ...],
    created_at: datetime,
) -> DeviceRecord:
    device = DeviceRecord(
        0, site_id, kind, name, token_hash, counter_numbers, created_at,
        revoked_at=None, last_seen_at=None, health={},
    )
    return replace(device, id=work.insert(DEVICES, DEVICE.columns(device, DEVICE.fields[1:])))


def revoke_device(work: UnitOfWork, device_id: int, now: datetime) -> None:
    work.update(DEVICES, device_id, {"revoked_at": now})


def record_sightings(
    work: UnitOfWork, seen: Mapping[int, datetime], health: Mapping[int, dict[str, Any]]
) -> None:
    """When each device was last seen (never moved back) and, for some, its latest report."""
    work.require_writable()
    # One statement for the whole room: a reconnect storm is hundreds of rows.
    work.connection.run_many(
        statements.device_seen,
        [{"key": device_id, "seen": moment} for device_id, moment in seen.items()],
    )
    for device_id, report in health.items():
        work.update(DEVICES, device_id, {"health": report})
