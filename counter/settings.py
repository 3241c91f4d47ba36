"""The keypad's settings: one TOML file plus ANTREAN_COUNTER_* environment variables.

Environment variables win over the file, the file over the defaults. The file
is the one given on the command line, else $ANTREAN_COUNTER_CONFIG, else
/etc/antrean/counter.toml when it exists. One Pi may drive several counters:
each `[[counters]]` table wires one counter's buttons, lamps, LCD and faces.
docs/counter.md explains every field; counter/examples/ holds annotated files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator
from pydantic_settings import SettingsConfigDict

from antrean.pins import Pin, pin_value
from antrean.settings import DeviceSettings, Section
from antrean.vocabulary import Satisfaction

DEFAULT_CONFIG = Path("/etc/antrean/counter.toml")
CONFIG_ENV = "ANTREAN_COUNTER_CONFIG"

ServiceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{1,3}$")
]


def pin_key(pin: Pin) -> str:
    """One spelling per Broadcom pin, to find a pin wired twice: 17, "17",
    "GPIO17" and "BCM17" are the same pin."""
    text = str(pin).strip().upper()
    match = re.fullmatch(r"(?:GPIO|BCM)?(\d+)", text)
    return f"GPIO{int(match.group(1))}" if match else text


class KeySettings(Section):
    next: Pin | None = Field(default=None, description="BERIKUTNYA; held, it pauses or reopens")
    recall: Pin | None = Field(default=None, description="PANGGIL ULANG")
    no_show: Pin | None = Field(default=None, description="TIDAK HADIR")
    finish: Pin | None = Field(default=None, description="SELESAI")
    transfer: Pin | None = Field(default=None, description="ALIHKAN to `transfer_to`")
    transfer_to: ServiceCode | None = Field(
        default=None, description="the service TRANSFER sends the citizen to"
    )

    @model_validator(mode="after")
    def _transfer_has_a_target(self) -> KeySettings:
        if self.transfer is not None and self.transfer_to is None:
            raise ValueError("a TRANSFER button needs transfer_to (the service code)")
        return self

    def pins(self) -> dict[str, Pin]:
        named = {
            "next": self.next, "recall": self.recall, "no_show": self.no_show,
            "finish": self.finish, "transfer": self.transfer,
        }
        return {name: pin_value(pin) for name, pin in named.items() if pin is not None}


class LightSettings(Section):
    ready: Pin | None = None
    busy: Pin | None = None
    problem: Pin | None = None
    buzzer: Pin | None = None

    def pins(self) -> dict[str, Pin]:
        named = {"ready": self.ready, "busy": self.busy, "problem": self.problem}
        return {name: pin_value(pin) for name, pin in named.items() if pin is not None}

    def all_pins(self) -> dict[str, Pin]:
        pins = self.pins()
        if self.buzzer is not None:
            pins["buzzer"] = pin_value(self.buzzer)
        return pins


class LcdSettings(Section):
    address: int | None = Field(
        default=0x27, ge=0x03, le=0x77,
        description="I2C address of the PCF8574 backpack (`i2cdetect -y 1`); none: no LCD",
    )
    port: int = Field(default=1, ge=0, description="the I2C bus: 1 is /dev/i2c-1")
    cols: Literal[16, 20] = 16
    rows: Literal[2, 4] = 2
    charmap: Literal["A00", "A02"] = Field(
        default="A00", description="the controller's character ROM (A00 on most modules)"
    )
    backlight: bool = True
    retry_seconds: float = Field(
        default=10.0, gt=0, le=300, description="how often an LCD that did not answer is tried"
    )


class FaceSettings(Section):
    very_satisfied: Pin | None = Field(default=None, description="sangat puas")
    satisfied: Pin | None = Field(default=None, description="puas")
    dissatisfied: Pin | None = Field(default=None, description="kurang puas")
    very_dissatisfied: Pin | None = Field(default=None, description="tidak puas")
    window_seconds: float = Field(
        default=60.0, gt=0, le=300,
        description="after a citizen's visit ends, a face pressed this long after is theirs",
    )

    def pins(self) -> dict[Satisfaction, Pin]:
        found = {face: getattr(self, face.value) for face in Satisfaction}
        return {face: pin_value(pin) for face, pin in found.items() if pin is not None}


class CounterWiring(Section):
    number: int = Field(ge=1, le=999, description="the counter's number at the office")
    keys: KeySettings = Field(default_factory=KeySettings)
    lights: LightSettings = Field(default_factory=LightSettings)
    lcd: LcdSettings = Field(default_factory=LcdSettings)
    faces: FaceSettings = Field(default_factory=FaceSettings)

    def wired_pins(self) -> list[tuple[str, Pin]]:
        """Every pin this counter uses, named as in the settings file."""
        return [
            *((f"keys.{name}", pin) for name, pin in self.keys.pins().items()),
            *((f"lights.{name}", pin) for name, pin in self.lights.all_pins().items()),
            *((f"faces.{face.value}", pin) for face, pin in self.faces.pins().items()),
        ]


class CounterSettings(DeviceSettings):
    model_config = SettingsConfigDict(env_prefix="ANTREAN_COUNTER_")
    program: ClassVar[str] = "counter keypad"
    config_env: ClassVar[str | None] = CONFIG_ENV
    default_file: ClassVar[Path | None] = DEFAULT_CONFIG
    device: ClassVar[str] = "keypad"
    device_add: ClassVar[str] = "--kind counter --counter N"

    command_timeout: float = Field(default=4.0, gt=0, le=30)
    hold_seconds: float = Field(
        default=2.0, ge=0.5, le=10, description="NEXT held this long pauses or reopens"
    )
    next_guard_seconds: float = Field(
        default=5.0, ge=0, le=60,
        description="NEXT is refused this long after a call, while the citizen walks up",
    )
    quiet_seconds: float = Field(
        default=0.5, ge=0, le=5,
        description="after a command's answer, presses are ignored this long (bounce, double tap)",
    )
    recall_limit: int = Field(
        default=2, ge=0, le=10, description="recalls after the first call; then NO-SHOW is asked"
    )
    pause_reason: str = Field(default="Istirahat", max_length=300)
    pull_up: bool = Field(default=True, description="buttons connect the pin to ground")
    active_high: bool = Field(default=True, description="a high pin lights the lamp")
    counters: list[CounterWiring] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_table_per_counter(self) -> CounterSettings:
        numbers = [c.number for c in self.counters]
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        if twice:
            raise ValueError(f"counter {twice[0]} is wired twice ([[counters]] tables)")
        return self

    def counter(self, number: int) -> CounterWiring:
        return next(c for c in self.counters if c.number == number)

