"""Which devices the dashboard shows online, when a server process knows only its own
sockets: with `--workers` a device may be connected to another process of the office's
server, which writes down its sightings and reports where every process reads them."""

from __future__ import annotations

from datetime import datetime, timedelta

from antrean.health import DeviceHealth, PrinterState
from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.realtime.health import Sighting, store_device_health
from server.store.database import Database
from server.web.dashboard.view import DeviceLine, Presence, compute
from tests.conftest import Clock


def _kiosk(db: Database, now: datetime) -> int:
    with db.writing() as work:
        device, _ = add_device(work, "demo", DeviceKind.KIOSK, now, name="kiosk lobi")
    return device.id


def _line(db: Database, now: datetime, presence: Presence, device_id: int) -> DeviceLine:
    with db.reading() as work:
        view = compute(work, "demo", now, presence)
    return next(line for line in view.devices if line.id == device_id)


def _seen_elsewhere(db: Database, device_id: int, at: datetime, printer: PrinterState) -> None:
    """What another process writes for a device connected to it."""
    health = DeviceHealth(version="1.0", uptime_seconds=60, printer=printer)
    store_device_health(db, {device_id: Sighting(at, health, at)})


def test_a_device_that_left_this_process_for_another_is_online(
    demo_sqlite: Database, clock: Clock
) -> None:
    now = clock()
    kiosk = _kiosk(demo_sqlite, now)
    left_here = now - timedelta(seconds=40)
    # It left this process (its last sighting here is the moment it left) ...
    _seen_elsewhere(demo_sqlite, kiosk, left_here, PrinterState.OK)
    stale_report = {"printer": PrinterState.OK.value}
    presence = Presence(left={kiosk: left_here}, health={kiosk: stale_report})
    line = _line(demo_sqlite, now, presence, kiosk)
    assert not line.online and line.since == left_here

    # ... and came back on another, which has heard from it since: paper low now.
    _seen_elsewhere(demo_sqlite, kiosk, now - timedelta(seconds=5), PrinterState.PAPER_NEAR_END)
    line = _line(demo_sqlite, now, presence, kiosk)
    assert line.online and line.since is None
    assert line.printer is PrinterState.PAPER_NEAR_END, "the other process's report, not ours"


def test_a_device_connected_here_keeps_this_process_s_own_report(
    demo_sqlite: Database, clock: Clock
) -> None:
    now = clock()
    kiosk = _kiosk(demo_sqlite, now)
    _seen_elsewhere(demo_sqlite, kiosk, now - timedelta(seconds=30), PrinterState.OK)
    presence = Presence(
        connected=frozenset({kiosk}), health={kiosk: {"printer": PrinterState.PAPER_OUT.value}}
    )
    line = _line(demo_sqlite, now, presence, kiosk)
    assert line.online and line.printer is PrinterState.PAPER_OUT


def test_a_device_gone_from_every_process_goes_offline(
    demo_sqlite: Database, clock: Clock
) -> None:
    now = clock()
    kiosk = _kiosk(demo_sqlite, now)
    last = now - timedelta(minutes=10)
    _seen_elsewhere(demo_sqlite, kiosk, last, PrinterState.OK)
    line = _line(demo_sqlite, now, Presence(), kiosk)
    assert not line.online and line.since == last
