"""Setting up offices, people and devices: used by the CLI and the admin pages."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from antrean.vocabulary import DeviceKind, Role
from server.audit import Author, record
from server.auth import announce_revoked
from server.engine.errors import QueueError
from server.engine.model import NEW, Counter, Service, Site
from server.engine.schedule import Schedule
from server.security import DEVICE_TOKEN_PREFIX, hash_password, new_token, token_digest
from server.store import accounts
from server.store.accounts import DeviceRecord, UserRecord
from server.store.unit_of_work import UnitOfWork


@dataclass
class ServiceSpec:
    code: str
    name: str
    requirements: str = ""
    daily_quota: int | None = None
    first_number: int = 1
    default_service_minutes: float = 10.0
    active: bool = True
    schedule: Schedule | None = None
    """The service's own sessions and closed dates; None: the office's hours."""
    wait_target_minutes: int | None = None
    notify_ahead: int | None = None

    def build(self, site_id: int, order: int) -> Service:
        return Service(
            id=NEW,
            site_id=site_id,
            code=self.code.upper(),
            name=self.name,
            requirements=self.requirements,
            daily_quota=self.daily_quota,
            first_number=self.first_number,
            default_service_minutes=self.default_service_minutes,
            sort_order=order,
            active=self.active,
            schedule=self.schedule,
            wait_target_minutes=self.wait_target_minutes,
            notify_ahead=self.notify_ahead,
        )


@dataclass
class CounterSpec:
    number: int
    name: str
    services: list[str]  # most preferred first


@dataclass
class SiteSpec:
    code: str
    name: str
    timezone: str
    schedule: Schedule
    address_lines: list[str] = field(default_factory=list)
    services: list[ServiceSpec] = field(default_factory=list)
    counters: list[CounterSpec] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    public_url: str | None = None
    priority_max_in_row: int = 3


def create_site(work: UnitOfWork, spec: SiteSpec) -> Site:
    if work.site(spec.code) is not None:
        raise ValueError(f"site {spec.code!r} exists already")
    site = Site(
        id=NEW,
        code=spec.code,
        name=spec.name,
        timezone=spec.timezone,
        schedule=spec.schedule,
        address_lines=tuple(spec.address_lines),
        announcements=tuple(spec.announcements),
        public_url=spec.public_url,
        priority_max_in_row=spec.priority_max_in_row,
    )
    work.add(site)
    services = {}
    for order, s in enumerate(spec.services):
        service = s.build(site.id, order)
        work.add(service)
        services[service.code] = service
    for c in spec.counters:
        served = tuple(services[code].id for code in c.services)
        work.add(Counter(id=NEW, site_id=site.id, number=c.number, name=c.name, service_ids=served))
    return site


def add_user(
    work: UnitOfWork,
    username: str,
    password: str,
    role: Role,
    site_code: str | None = None,
    full_name: str = "",
) -> UserRecord:
    if accounts.user_by_name(work, username) is not None:
        raise ValueError(f"user {username!r} exists already")
    if len(password) < 4:
        raise ValueError("a password needs at least 4 characters")
    site = _site(work, site_code) if site_code else None
    return accounts.add_user(
        work, username, hash_password(password), role, site.id if site else None, full_name
    )


@dataclass(frozen=True)
class UserSettings:
    """What an administrator sets for a user (a password of None: left as it is)."""

    full_name: str
    role: Role
    site_id: int | None
    other_sites: tuple[int, ...] = ()
    active: bool = True
    password: str | None = None


MIN_PASSWORD = 8
"""Characters in a password set on the admin pages."""


def save_user(
    work: UnitOfWork,
    author: Author,
    now: datetime,
    user_id: int | None,
    username: str,
    wanted: UserSettings,
) -> UserRecord:
    """Create a user (user_id None) or change one; one audit entry per thing changed.
    A password is never written to the audit, only that it changed."""
    sites = {s.id: s.code for s in work.sites()}
    unknown = [i for i in (wanted.site_id, *wanted.other_sites) if i is not None and i not in sites]
    if unknown:
        raise QueueError("site_not_found", {"site": unknown[0]})
    others = tuple(sorted(set(wanted.other_sites) - {wanted.site_id}))
    if wanted.site_id is None:
        others = ()  # no site of one's own: every site already
    shown = {
        "full_name": wanted.full_name,
        "role": wanted.role.value,
        "site": sites.get(wanted.site_id) if wanted.site_id else None,
        "other_sites": [sites[i] for i in others],
        "active": wanted.active,
    }
    if user_id is None:
        if wanted.password is None:
            raise ValueError("a new user needs a password")
        user = add_user(
            work, username, wanted.password, wanted.role,
            sites[wanted.site_id] if wanted.site_id else None, wanted.full_name,
        )
        accounts.set_other_sites(work, user.id, others)
        record(work, author, now, "user", f"user {username}", None, shown, wanted.site_id)
        return user
    stored = accounts.user_by_id(work, user_id)
    if stored is None:
        raise QueueError("not_found", {"user": user_id})
    user = stored
    before = {
        "full_name": user.full_name,
        "role": user.role.value,
        "site": sites.get(user.site_id) if user.site_id else None,
        "other_sites": [sites[i] for i in accounts.other_sites(work, user.id) if i in sites],
        "active": user.active,
    }
    columns = {
        "full_name": wanted.full_name, "role": wanted.role, "site_id": wanted.site_id,
        "active": wanted.active,
    }
    if wanted.password is not None:
        columns["password_hash"] = hash_password(wanted.password)
    accounts.update_user(work, user.id, **columns)
    accounts.set_other_sites(work, user.id, others)
    for name, value in shown.items():
        if before[name] != value:
            record(work, author, now, "user", f"user {user.username} {name}", before[name],
                   value, wanted.site_id)
    if wanted.password is not None:
        record(work, author, now, "user", f"user {user.username} password", None,
               "(changed)", wanted.site_id)
    found = accounts.user_by_id(work, user.id)
    assert found is not None
    return found


def add_device(
    work: UnitOfWork,
    site_code: str,
    kind: DeviceKind,
    now: datetime,
    counters: list[int] | None = None,
    name: str | None = None,
    author: Author | None = None,
) -> tuple[DeviceRecord, str]:
    """Register a device; the token is returned once and only its hash is kept."""
    site = _site(work, site_code)
    counters = sorted(set(counters or []))
    if kind is DeviceKind.COUNTER:
        if not counters:
            raise ValueError("a counter keypad must be bound to at least one counter")
        known = {c.number for c in work.counters(site.id) if c.active}
        missing = [n for n in counters if n not in known]
        if missing:
            raise ValueError(f"site {site_code!r} has no counter {missing}")
    elif counters:
        raise ValueError("only counter keypads are bound to counters")
    token = new_token(DEVICE_TOKEN_PREFIX)
    device = accounts.add_device(
        work, site.id, kind, name or f"{kind.value} {site_code}", token_digest(token),
        tuple(counters), now,
    )
    if author is not None:
        record(
            work, author, now, "device", f"{site_code}: device {device.id}", None,
            {"kind": kind.value, "name": device.name, "counters": list(device.counter_numbers)},
            site.id,
        )
    return device, token


def revoke_device(
    work: UnitOfWork, device_id: int, now: datetime, author: Author | None = None
) -> DeviceRecord:
    device = accounts.device(work, device_id)
    if device is None:
        raise ValueError(f"no device {device_id}")
    accounts.revoke_device(work, device_id, now)
    announce_revoked(work, device_id)
    if author is not None:
        site = work.site_by_id(device.site_id)
        record(
            work, author, now, "device", f"{site.code}: device {device.id} revoked",
            device.name, None, device.site_id,
        )
    return replace(device, revoked_at=now)


def _site(work: UnitOfWork, code: str) -> Site:
    site = work.site(code)
    if site is None:
        raise QueueError("site_not_found", {"site": code, "known": [s.code for s in work.sites()]})
    return site
