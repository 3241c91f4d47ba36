"""How often every device reports its health: at once when something changed, at least
every so many seconds otherwise, and on after a report that failed."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from antrean.health import DeviceHealth, keep_reporting

EVERY = 0.3


def test_reports_when_due_and_when_quiet_and_after_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[tuple[float, int]] = []
    made = [0]

    def health() -> DeviceHealth:
        made[0] += 1
        return DeviceHealth(version="1", uptime_seconds=made[0])

    async def send(report: DeviceHealth) -> None:
        if report.uptime_seconds == 2:
            raise ConnectionError("the socket went away")
        sent.append((time.monotonic(), int(report.uptime_seconds)))

    async def scenario() -> float:
        due = asyncio.Event()
        log = logging.getLogger("kiosk.app")
        reporting = asyncio.create_task(
            keep_reporting(health, send, every=EVERY, due=due, log=log)
        )
        started = time.monotonic()
        due.set()  # something changed: reported at once
        while not sent:
            await asyncio.sleep(0.005)
        assert sent[0][0] - started < EVERY / 2
        while len(sent) < 3:  # then the quiet ones, one of them failing
            await asyncio.sleep(0.01)
        reporting.cancel()
        await asyncio.gather(reporting, return_exceptions=True)
        return started

    with caplog.at_level(logging.ERROR):
        started = asyncio.run(scenario())
    assert [number for _, number in sent] == [1, 3, 4]
    quiet = [at - started for at, _ in sent[1:]]
    assert quiet[0] >= 2 * EVERY - 0.05 and quiet[1] - quiet[0] >= EVERY - 0.05
    [failed] = caplog.records
    assert failed.name == "kiosk.app" and failed.getMessage() == "reporting health failed"
