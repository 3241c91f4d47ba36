"""One office's live picture for supervisors: computed once per change, shared by all.

`compute` reads the office's snapshot (what the screens show), today's
events folded by the reporting module (`server.reports`: served today and
service times, the same figures as the daily report), and the office's
devices with their last health report; it decides the alerts:

- a service's longest current wait has passed its `wait_target_minutes`;
- a device is offline: not connected to this server (or, for a device this
  server never saw or that was seen elsewhere since it left, not heard from
  for `SEEN_RECENTLY`: with `--workers` it may be connected to another process);
- a kiosk's printer is low on paper, out of paper, or otherwise unable to print.

It also says when to look again without any event (`next_check`): the moment
the oldest waiting citizen of a service would pass its target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from antrean.health import PrinterState
from antrean.vocabulary import DeviceKind
from server.engine.clock import local_day, local_time
from server.engine.commands import find_site
from server.engine.views import snapshot
from server.reports.figures import day_bounds
from server.reports.fold import Outcome, follow
from server.store import accounts, history
from server.store.unit_of_work import UnitOfWork

SEEN_RECENTLY = timedelta(seconds=150)
"""Devices report every 60 s; one not heard from for longer than this is offline."""


@dataclass(frozen=True)
class ServiceLine:
    code: str
    name: str
    waiting: int
    longest_since: datetime | None
    estimated_minutes: float | None
    served_today: int
    target_minutes: int | None
    over_target: bool
    accepting: bool


@dataclass(frozen=True)
class CounterLine:
    number: int
    name: str
    state: str
    services: tuple[str, ...]
    current_code: str | None
    current_status: str | None
    since: datetime | None
    served_today: int
    mean_service_seconds: float | None


@dataclass(frozen=True)
class DeviceLine:
    id: int
    name: str
    kind: DeviceKind
    online: bool
    since: datetime | None
    printer: PrinterState | None


@dataclass(frozen=True)
class Alert:
    kind: str  # wait_over_target, device_offline, paper_low, paper_out, printer_problem
    subject: str
    since: datetime | None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return "warning" if self.kind in ("paper_low",) else "bad"


@dataclass(frozen=True)
class SiteView:
    code: str
    name: str
    timezone: str
    made_at: datetime
    local_clock: datetime
    seq: int
    services: list[ServiceLine]
    counters: list[CounterLine]
    devices: list[DeviceLine]
    alerts: list[Alert]
    next_check: datetime | None


@dataclass(frozen=True)
class Presence:
    """What this server knows of the office's devices' connections."""

    connected: frozenset[int] = frozenset()
    # Devices seen leaving this server, and when (and not back since).
    left: Mapping[int, datetime] = field(default_factory=dict)
    # The latest health report each device made to this server.
    health: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)


def compute(work: UnitOfWork, code: str, now: datetime, presence: Presence) -> SiteView:
    site = find_site(work, code)
    picture = snapshot(work, site, now)
    today = local_day(site, now)
    since, until = day_bounds(site, today, today)
    visits = follow(history.happenings(work, site.id, since, until), site.zone, today)
    targets = {s.code: s.wait_target_minutes for s in work.services(site.id)}
    counters = {c.number: c for c in work.counters(site.id)}
    served: dict[str, int] = {}
    by_counter: dict[int, list[float]] = {}
    for visit in visits.values():
        if visit.outcome is Outcome.SERVED:
            served[visit.service] = served.get(visit.service, 0) + 1
            if visit.counter_id is not None:
                by_counter.setdefault(visit.counter_id, []).append(visit.service_seconds or 0.0)
    oldest: dict[str, datetime] = {}
    for ticket in picture.waiting:
        if ticket.service not in oldest or ticket.issued_at < oldest[ticket.service]:
            oldest[ticket.service] = ticket.issued_at
    alerts: list[Alert] = []
    next_check: datetime | None = None
    services = []
    for state in picture.services:
        target = targets.get(state.code)
        longest = oldest.get(state.code)
        over = False
        if target and longest is not None:
            crossing = longest + timedelta(minutes=target)
            over = crossing <= now
            if over:
                alerts.append(Alert("wait_over_target", state.code, crossing,
                                    {"name": state.name, "target": target}))
            elif next_check is None or crossing < next_check:
                next_check = crossing
        services.append(ServiceLine(
            state.code, state.name, state.waiting, longest, state.estimated_wait_minutes,
            served.get(state.code, 0), target, over, state.accepting,
        ))
    counter_lines = []
    for view in picture.counters:
        stored = counters.get(view.number)
        durations = by_counter.get(stored.id, []) if stored else []
        current = view.current
        moment = None
        if current is not None:
            seen = visits.get(current.id)
            moment = (seen.started_at or seen.called_at) if seen else current.called_at
        counter_lines.append(CounterLine(
            view.number, view.name, view.state.value, tuple(view.services),
            current.code if current else None, current.status.value if current else None,
            moment, len(durations),
            math.fsum(durations) / len(durations) if durations else None,
        ))
    devices = _devices(work, site.id, now, presence, alerts)
    return SiteView(
        site.code, site.name, site.timezone, now, local_time(site, now), picture.seq, services,
        counter_lines, devices, alerts, next_check,
    )


def _devices(
    work: UnitOfWork, site_id: int, now: datetime, presence: Presence, alerts: list[Alert]
) -> list[DeviceLine]:
    lines = []
    for device in accounts.devices(work):
        if device.site_id != site_id or device.revoked_at is not None:
            continue
        left = presence.left.get(device.id)
        seen = device.last_seen_at
        here = device.id in presence.connected
        if here:
            online, since = True, None
        elif left is not None and (seen is None or seen <= left):
            online, since = False, left
        else:
            # Never connected here, or seen since it left: with several server processes
            # behind one address it is likely connected to another, which writes down its
            # sightings and reports (at least every minute) where every process reads them.
            online = seen is not None and now - seen <= SEEN_RECENTLY
            since = None if online else seen
        # This process's own copy of a report is newer than the stored one only while
        # the device is connected here.
        report = (presence.health.get(device.id) if here else None) or device.health
        printer_value = report.get("printer") if report else None
        printer = PrinterState(printer_value) if printer_value in set(PrinterState) else None
        lines.append(DeviceLine(device.id, device.name, device.kind, online, since, printer))
        if not online:
            alerts.append(Alert("device_offline", device.name, since, {"kind": device.kind.value}))
        elif printer is PrinterState.PAPER_NEAR_END:
            alerts.append(Alert("paper_low", device.name, None))
        elif printer is PrinterState.PAPER_OUT:
            alerts.append(Alert("paper_out", device.name, None))
        elif printer in (PrinterState.OFFLINE, PrinterState.ERROR):
            alerts.append(Alert("printer_problem", device.name, None,
                                {"state": printer.value if printer else ""}))
    return lines
