"""What a device reports about itself: version, uptime, and its printer's state; and how
often every device reports it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from pydantic import Field

from antrean.protocol import WireModel


class PrinterState(StrEnum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    ERROR = "error"

    @property
    def can_print(self) -> bool:
        return self in {PrinterState.OK, PrinterState.PAPER_NEAR_END}


class DeviceHealth(WireModel):
    version: str
    uptime_seconds: float = Field(ge=0)
    printer: PrinterState | None = None
    detail: str | None = Field(default=None, max_length=300)
    extra: dict[str, str | int | float | bool] = Field(default_factory=dict)


async def keep_reporting(
    health: Callable[[], DeviceHealth],
    send: Callable[[DeviceHealth], Awaitable[None]],
    *,
    every: float,
    due: asyncio.Event,
    log: logging.Logger,
) -> None:
    """Send `health()` whenever `due` is set, and at least every `every` seconds.

    A report that fails is logged on the device's own `log` and the next one
    is tried as usual: reporting must never be what stops a device.
    """
    while True:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every):
                await due.wait()
        due.clear()
        try:
            await send(health())
        except Exception:
            log.exception("reporting health failed")
