"""What a device reports about itself: version, uptime, and its printer's state."""

from __future__ import annotations

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
