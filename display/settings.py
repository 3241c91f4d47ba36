"""The monitor wall's settings: one TOML file plus ANTREAN_DISPLAY_* environment variables.

Environment variables win over the file, the file over the defaults. Nested
fields use a double underscore: ANTREAN_DISPLAY_VOICE__MODE=chime. The file
is the one given on the command line, else $ANTREAN_DISPLAY_CONFIG, else
/etc/antrean/display.toml when it exists. docs/display.md explains every
field; display/examples/ holds annotated files.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from antrean.settings import DeviceSettings, Section
from antrean.spoken import DEFAULT_WORDING, check_wording
from antrean.voice import SoundMode

DEFAULT_CONFIG = Path("/etc/antrean/display.toml")
CONFIG_ENV = "ANTREAN_DISPLAY_CONFIG"


class ScreenSettings(Section):
    mode: Literal["fullscreen", "window"] = Field(
        default="fullscreen", description="fullscreen on the wall; a window on a laptop"
    )
    size: tuple[int, int] | None = Field(
        default=None,
        description="[width, height] of the window (or of the picture, offscreen); "
        "default: the screen's own size when fullscreen, 1280x720 in a window",
    )
    driver: str | None = Field(
        default=None,
        description="SDL video driver: 'kmsdrm' on a Pi without a desktop, 'x11' or "
        "'wayland' under one, 'offscreen' for pictures only; default: SDL chooses",
    )
    fps: int = Field(default=30, ge=1, le=60, description="frames per second while moving")
    hide_cursor: bool = True


class WallSettings(Section):
    services: list[str] = Field(
        default_factory=list,
        description="show only these services' calls and counts (e.g. one floor); empty: all",
    )
    counters: list[int] = Field(
        default_factory=list, description="show only these counters; empty: all"
    )
    title: str | None = Field(
        default=None, description="the office name at the top; default: the server's name"
    )
    logo: Path | None = Field(default=None, description="a PNG or JPEG shown beside the name")
    recent_calls: int = Field(default=6, ge=0, le=20, description="earlier calls listed")
    flash_seconds: float = Field(
        default=8.0, ge=0, le=60, description="how long a new call flashes"
    )
    slides: Path | None = Field(
        default=None, description="a folder of PNG/JPEG pictures shown in turn (procedures)"
    )
    slide_seconds: float = Field(default=12.0, ge=2, le=600)
    ticker_speed: float = Field(
        default=110.0, ge=10, le=1000,
        description="running text speed, in pixels per second at 1080 lines",
    )
    announcements: list[str] = Field(
        default_factory=list,
        description="running text besides the office's own announcements from the server",
    )
    show_requirements: bool = Field(
        default=True, description="the running text also lists each service's requirements"
    )

    @field_validator("services")
    @classmethod
    def _codes(cls, services: list[str]) -> list[str]:
        cleaned = [code.strip().upper() for code in services]
        for code in cleaned:
            if not (1 <= len(code) <= 3 and code.isascii() and code.isalpha()):
                raise ValueError(f"{code!r} is not a service code (1–3 letters)")
        return cleaned


class VoiceSettings(Section):
    mode: SoundMode = Field(
        default=SoundMode.VOICE, description="'voice' (chime and sentence), 'chime' or 'off'"
    )
    wording: str = Field(
        default=DEFAULT_WORDING,
        description="the sentence; {code}, {counter} and {service} are filled in",
    )
    closing_chime: bool = Field(default=False, description="a chime after the sentence too")
    voice_pack: Path | None = Field(
        default=None, description="a folder with voice.toml and recorded clips"
    )
    espeak_voice: str | None = Field(
        default=None, description="espeak-ng voice; default 'mb-id1' if MBROLA id1 is "
        "installed, else 'id'"
    )
    speed: int = Field(default=140, ge=80, le=260, description="synthetic voice, words/minute")
    volume: float = Field(default=1.0, ge=0, le=1)
    fresh_seconds: float = Field(
        default=60.0, ge=1, le=3600,
        description="a call older than this is shown but never spoken (after an outage)",
    )
    repeat: int = Field(
        default=1, ge=1, le=3, description="say each call this many times in a row"
    )
    cache_dir: Path = Field(
        default=Path("/var/cache/antrean/voice"), description="rendered calls (WAV files)"
    )
    audio_driver: str | None = Field(
        default=None, description="SDL audio driver ('alsa', 'pulseaudio', 'disk'); "
        "default: SDL chooses",
    )

    @field_validator("wording")
    @classmethod
    def _wording(cls, wording: str) -> str:
        return check_wording(wording)


class SimulationSettings(Section):
    output_dir: Path = Field(
        default=Path("display-output"),
        description="where the simulated wall saves PNG frames and the calls' WAV files",
    )
    frame_every: float = Field(
        default=0.0, ge=0,
        description="offscreen: also save a frame this often (seconds; 0: on each call only)",
    )


class DisplaySettings(DeviceSettings):
    model_config = SettingsConfigDict(env_prefix="ANTREAN_DISPLAY_")
    program: ClassVar[str] = "display"
    config_env: ClassVar[str | None] = CONFIG_ENV
    default_file: ClassVar[Path | None] = DEFAULT_CONFIG
    device: ClassVar[str] = "display"
    device_add: ClassVar[str] = "--kind display"

    screen: ScreenSettings = Field(default_factory=ScreenSettings)
    wall: WallSettings = Field(default_factory=WallSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    simulation: SimulationSettings = Field(default_factory=SimulationSettings)
