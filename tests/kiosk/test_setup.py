"""Set-up mistakes are told when the kiosk connects, not on a citizen's first press:
one line in the log with what to change, and the problem lamp blinking fast."""

from __future__ import annotations

import asyncio
import logging

import pytest

from antrean.lamps import Pattern
from kiosk.presses import Outcome
from tests.kiosk.conftest import BUTTON_A, BUTTON_B, READY, Office, running_kiosk


def test_a_button_for_a_service_the_office_lacks_is_told_at_once(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kiosk")

    async def scenario() -> None:
        services = {f"GPIO{BUTTON_A}": "A", f"GPIO{BUTTON_B}": "Z"}
        async with running_kiosk(office.url, office.token, services=services) as rig:
            await rig.until(lambda: bool(rig.kiosk.set_up_problems))
            await rig.until(lambda: rig.scenes[-1].problem is Pattern.FAST)
            assert rig.lit(READY)  # the other buttons still give tickets
            rig.press(BUTTON_A)
            assert (await rig.result()).outcome is Outcome.PRINTED

    asyncio.run(scenario())
    [line] = [r.getMessage() for r in caplog.records if "set-up" in r.getMessage()]
    assert f"the button on GPIO{BUTTON_B} is for service Z" in line
    assert "office demo does not have; its services are A (KTP & Kartu Keluarga), B (" in line


def test_settings_naming_another_office_are_told_with_the_tokens_own(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kiosk")

    async def scenario() -> None:
        async with running_kiosk(office.url, office.token, online=False, site="kec-lain") as rig:
            await rig.until(lambda: bool(rig.kiosk.set_up_problems))
            await rig.until(lambda: rig.scenes[-1].problem is Pattern.FAST)
            assert not rig.lit(READY)

    asyncio.run(scenario())
    [line] = [r.getMessage() for r in caplog.records if "set-up" in r.getMessage()]
    assert "the server does not know office 'kec-lain'" in line
    assert "this kiosk's token is for office 'demo'" in line
