"""The kiosk's settings: one TOML file plus ANTREAN_KIOSK_* environment variables.

Environment variables win over the file, the file over the defaults. Nested
fields use a double underscore: ANTREAN_KIOSK_PRINTER__HOST=192.168.1.50.
The file is the one given on the command line, else $ANTREAN_KIOSK_CONFIG,
else /etc/antrean/kiosk.toml when it exists. docs/kiosk.md explains every
field; kiosk/examples/ holds a file for each kind of printer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from antrean.pins import Pin, pin_value
from antrean.settings import DeviceSettings, Section
from antrean.vocabulary import Priority
from kiosk.profiles import PaperProfile, profile_named

DEFAULT_CONFIG = Path("/etc/antrean/kiosk.toml")
CONFIG_ENV = "ANTREAN_KIOSK_CONFIG"

class ButtonSettings(Section):
    services: dict[str, str] = Field(
        default_factory=dict, description="pin → service code, one button per entry"
    )
    priority: Pin | None = Field(default=None, description="the priority button's pin")
    pull_up: bool = Field(default=True, description="buttons connect the pin to ground")
    cooldown_seconds: float = Field(
        default=3.0, ge=0, le=60,
        description="after a ticket, presses of the same button are ignored this long",
    )
    priority_window_seconds: float = Field(
        default=10.0, gt=0, le=120,
        description="after PRIORITAS, a service button within this time issues a priority ticket",
    )
    priority_kind: Priority = Field(
        default=Priority.OTHER, description="the priority recorded for tickets from the button"
    )

    @field_validator("services")
    @classmethod
    def _service_codes(cls, services: dict[str, str]) -> dict[str, str]:
        cleaned = {}
        for pin, code in services.items():
            code = code.strip().upper()
            if not (1 <= len(code) <= 3 and code.isascii() and code.isalpha()):
                raise ValueError(f"pin {pin}: {code!r} is not a service code (1–3 letters)")
            cleaned[pin] = code
        return cleaned

    @field_validator("priority_kind")
    @classmethod
    def _a_priority(cls, kind: Priority) -> Priority:
        if not kind.is_priority:
            raise ValueError("priority_kind must be one of the priority kinds, not 'none'")
        return kind

    def pins(self) -> dict[Pin, str]:
        return {pin_value(pin): code for pin, code in self.services.items()}

    def priority_pin(self) -> Pin | None:
        return None if self.priority is None else pin_value(self.priority)


class LightSettings(Section):
    ready: Pin | None = None
    busy: Pin | None = None
    problem: Pin | None = None
    priority: Pin | None = Field(default=None, description="light inside the priority button")
    buzzer: Pin | None = None
    active_high: bool = Field(default=True, description="a high pin lights the lamp")

    def pins(self) -> dict[str, Pin]:
        named = {
            "ready": self.ready, "busy": self.busy, "problem": self.problem,
            "priority": self.priority,
        }
        return {name: pin_value(pin) for name, pin in named.items() if pin is not None}


class PrinterCommon(Section):
    paper: str = Field(default="58mm", description="58mm, 80mm-512 or 80mm-576")
    cutter: bool | None = Field(default=None, description="default: what the paper profile says")
    native_qr: bool | None = Field(
        default=None, description="print QR with the printer's own command (default: profile)"
    )
    answers_status: bool | None = Field(
        default=None,
        description="the printer answers status queries (default: yes, except for a file)",
    )
    poll_seconds: float = Field(default=5.0, gt=0, le=300, description="how often to ask")

    @field_validator("paper")
    @classmethod
    def _known_paper(cls, paper: str) -> str:
        profile_named(paper)
        return paper

    def profile(self) -> PaperProfile:
        return profile_named(self.paper).with_options(self.cutter, self.native_qr)

    def queries_status(self) -> bool:
        return self.answers_status if self.answers_status is not None else True


class UsbPrinterSettings(PrinterCommon):
    kind: Literal["usb"] = "usb"
    vendor_id: int = Field(ge=0, le=0xFFFF, description="from `lsusb`, e.g. 0x0416")
    product_id: int = Field(ge=0, le=0xFFFF)
    timeout_ms: int = Field(default=5000, ge=100, description="longest a write or read may take")
    in_endpoint: int = 0x82
    out_endpoint: int = 0x01


class SerialPrinterSettings(PrinterCommon):
    kind: Literal["serial"] = "serial"
    device: str = "/dev/serial0"
    baudrate: int = Field(default=9600, description="as set on the printer (DIP switches)")
    hardware_flow: bool = Field(default=True, description="DSR/DTR flow control")
    timeout: float = Field(default=1.0, gt=0, le=30)


class NetworkPrinterSettings(PrinterCommon):
    kind: Literal["network"] = "network"
    host: str
    port: int = Field(default=9100, ge=1, le=65535)
    timeout: float = Field(default=5.0, gt=0, le=60)


class FilePrinterSettings(PrinterCommon):
    kind: Literal["file"] = "file"
    path: Path = Path("/dev/usb/lp0")

    def queries_status(self) -> bool:
        # A device file is written to only: nothing comes back to read.
        return bool(self.answers_status)


PrinterSettings = Annotated[
    UsbPrinterSettings | SerialPrinterSettings | NetworkPrinterSettings | FilePrinterSettings,
    Field(discriminator="kind"),
]


class TicketSettings(Section):
    footer: str = Field(
        default="Terima kasih. Mohon menunggu nomor Anda dipanggil.", max_length=300
    )
    requirements_lines: int = Field(
        default=3, ge=0, le=10, description="lines of the service's requirements (0: none)"
    )
    public_url: str | None = Field(
        default=None,
        description="address phones reach the server at, when the office has none set",
    )
    closed_slip_interval_seconds: float = Field(
        default=60.0, ge=0, description="at most one 'closed' slip this often"
    )


class SimulationSettings(Section):
    output_dir: Path = Field(
        default=Path("kiosk-output"), description="where printer bytes and PNGs go"
    )


class KioskSettings(DeviceSettings):
    model_config = SettingsConfigDict(env_prefix="ANTREAN_KIOSK_")
    program: ClassVar[str] = "kiosk"
    config_env: ClassVar[str | None] = CONFIG_ENV
    default_file: ClassVar[Path | None] = DEFAULT_CONFIG
    device: ClassVar[str] = "kiosk"
    device_add: ClassVar[str] = "--kind kiosk"

    command_timeout: float = Field(default=4.0, gt=0, le=30)
    buttons: ButtonSettings = Field(default_factory=ButtonSettings)
    lights: LightSettings = Field(default_factory=LightSettings)
    printer: PrinterSettings = Field(default_factory=lambda: FilePrinterSettings())
    ticket: TicketSettings = Field(default_factory=TicketSettings)
    simulation: SimulationSettings = Field(default_factory=SimulationSettings)
