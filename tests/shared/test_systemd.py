"""systemd notifications shared by every program: READY and the watchdog's pings."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from antrean.systemd import notify, pet_watchdog


def test_notify_reaches_systemd_and_the_watchdog_is_petted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        assert notify("READY=1")
        assert listener.recv(100) == b"READY=1"

        monkeypatch.setenv("WATCHDOG_USEC", "100000")  # 0.1 s: petted every 0.05 s

        async def pet_for_a_moment() -> None:
            petting = asyncio.create_task(pet_watchdog())
            await asyncio.sleep(0.18)
            petting.cancel()

        asyncio.run(pet_for_a_moment())
        pets = [listener.recv(100) for _ in range(3)]
        assert pets == [b"WATCHDOG=1"] * 3


def test_notify_outside_systemd_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False
