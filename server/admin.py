"""Setting up offices, people and devices: used by the CLI and the admin pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from antrean.vocabulary import DeviceKind, Role
from server.auth import announce_revoked
from server.engine.errors import QueueError
from server.engine.schedule import Schedule
from server.security import DEVICE_TOKEN_PREFIX, hash_password, new_token, token_digest
from server.store.models import Counter, CounterService, Device, Service, Site, User


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

    def build(self, site_id: int, order: int) -> Service:
        return Service(
            site_id=site_id,
            code=self.code.upper(),
            name=self.name,
            requirements=self.requirements,
            daily_quota=self.daily_quota,
            first_number=self.first_number,
            default_service_minutes=self.default_service_minutes,
            sort_order=order,
            active=self.active,
            schedule_plan=None if self.schedule is None else self.schedule.model_dump(mode="json"),
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


def create_site(session: Session, spec: SiteSpec) -> Site:
    if session.exec(select(Site).where(Site.code == spec.code)).first() is not None:
        raise ValueError(f"site {spec.code!r} exists already")
    site = Site(
        code=spec.code,
        name=spec.name,
        timezone=spec.timezone,
        schedule_plan=spec.schedule.model_dump(mode="json"),
        address_lines=spec.address_lines,
        announcements=spec.announcements,
        public_url=spec.public_url,
        priority_max_in_row=spec.priority_max_in_row,
    )
    session.add(site)
    session.flush()
    services = {}
    for order, s in enumerate(spec.services):
        service = s.build(site.id or 0, order)
        session.add(service)
        services[service.code] = service
    session.flush()
    for c in spec.counters:
        counter = Counter(site_id=site.id or 0, number=c.number, name=c.name)
        session.add(counter)
        session.flush()
        for preference, code in enumerate(c.services):
            session.add(
                CounterService(
                    counter_id=counter.id or 0,
                    service_id=services[code].id or 0,
                    preference=preference,
                )
            )
    session.flush()
    return site


def add_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    site_code: str | None = None,
    full_name: str = "",
) -> User:
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise ValueError(f"user {username!r} exists already")
    if len(password) < 4:
        raise ValueError("a password needs at least 4 characters")
    site = _site(session, site_code) if site_code else None
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password),
        site_id=site.id if site else None,
    )
    session.add(user)
    session.flush()
    return user


def add_device(
    session: Session,
    site_code: str,
    kind: DeviceKind,
    now: datetime,
    counters: list[int] | None = None,
    name: str | None = None,
) -> tuple[Device, str]:
    """Register a device; the token is returned once and only its hash is kept."""
    site = _site(session, site_code)
    counters = sorted(set(counters or []))
    if kind is DeviceKind.COUNTER:
        if not counters:
            raise ValueError("a counter keypad must be bound to at least one counter")
        known = {c.number for c in session.exec(select(Counter).where(Counter.site_id == site.id))}
        missing = [n for n in counters if n not in known]
        if missing:
            raise ValueError(f"site {site_code!r} has no counter {missing}")
    elif counters:
        raise ValueError("only counter keypads are bound to counters")
    token = new_token(DEVICE_TOKEN_PREFIX)
    device = Device(
        site_id=site.id or 0,
        kind=kind,
        name=name or f"{kind.value} {site_code}",
        token_hash=token_digest(token),
        counter_numbers=counters,
        created_at=now,
    )
    session.add(device)
    session.flush()
    return device, token


def revoke_device(session: Session, device_id: int, now: datetime) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise ValueError(f"no device {device_id}")
    device.revoked_at = now
    session.add(device)
    announce_revoked(session, device_id)
    return device


def _site(session: Session, code: str) -> Site:
    site = session.exec(select(Site).where(Site.code == code)).first()
    if site is None:
        raise QueueError("site_not_found", {"site": code})
    return site
