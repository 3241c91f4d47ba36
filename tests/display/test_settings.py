"""The wall's settings: the examples load, mistakes are named with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.settings import SettingsError
from antrean.voice import SoundMode
from display.settings import DisplaySettings

EXAMPLES = Path(__file__).resolve().parents[2] / "display" / "examples"


@pytest.mark.parametrize("name", ["pi.toml", "floor.toml", "laptop.toml"])
def test_the_examples_load(name: str) -> None:
    settings = DisplaySettings.load(EXAMPLES / name)
    assert settings.site == "demo"


def test_the_floor_example_limits_the_wall() -> None:
    settings = DisplaySettings.load(EXAMPLES / "floor.toml")
    assert settings.wall.services == ["B"] and settings.wall.counters == [2, 3]
    assert settings.voice.mode is SoundMode.CHIME


def test_a_bad_wording_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "display.toml"
    path.write_text('site = "demo"\n[voice]\nwording = "Nomor {nomor}"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"display.toml:3: voice.wording: .*\{nomor\}"):
        DisplaySettings.load(path)


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTREAN_DISPLAY_VOICE__MODE", "off")
    monkeypatch.setenv("ANTREAN_DISPLAY_WALL__SERVICES", '["a", "c"]')
    settings = DisplaySettings.load(EXAMPLES / "pi.toml")
    assert settings.voice.mode is SoundMode.OFF
    assert settings.wall.services == ["A", "C"]
