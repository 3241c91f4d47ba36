"""The keypad's settings: the shipped examples load, mistakes are named with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.settings import SettingsError
from counter.settings import CounterSettings, pin_key
from counter.setup import pin_problems

EXAMPLES = Path(__file__).parents[2] / "counter" / "examples"


@pytest.mark.parametrize("name", ["one-counter.toml", "two-counters.toml"])
def test_the_examples_load_and_wire_no_pin_twice(name: str) -> None:
    settings = CounterSettings.load(EXAMPLES / name)
    assert settings.counters and not pin_problems(settings)
    for wiring in settings.counters:
        used = [pin_key(pin) for _, pin in wiring.wired_pins()]
        # GPIO2 and GPIO3 carry the LCD's I2C bus.
        assert not {"GPIO2", "GPIO3"} & set(used)


def test_one_counter_example() -> None:
    settings = CounterSettings.load(EXAMPLES / "one-counter.toml")
    [one] = settings.counters
    assert one.keys.transfer_to == "B" and one.lcd.address == 0x27
    assert len(one.faces.pins()) == 4


def test_mistakes_name_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "counter.toml"
    config.write_text('site = "demo"\n[[counters]]\nnumber = 1\nkeys = { transfer = 24 }\n')
    with pytest.raises(SettingsError, match="a TRANSFER button needs transfer_to"):
        CounterSettings.load(config)
    config.write_text('[[counters]]\nnumber = 1\n[[counters]]\nnumber = 1\n')
    with pytest.raises(SettingsError, match="counter 1 is wired twice"):
        CounterSettings.load(config)
    config.write_text('hold_secs = 3\n')
    with pytest.raises(SettingsError, match=r"counter.toml:1: hold_secs: unknown setting"):
        CounterSettings.load(config)


def test_the_same_pin_spelled_differently_is_found() -> None:
    settings = CounterSettings.model_validate({"counters": [
        {"number": 1, "keys": {"next": 17}},
        {"number": 2, "keys": {"next": "BCM17"}, "lights": {"ready": "GPIO6"}},
        {"number": 3, "faces": {"satisfied": "6"}},
    ]})
    problems = pin_problems(settings)
    assert [sorted(p.counters) for p in problems] == [[1, 2], [2, 3]]
    assert [p.lcd.short for p in problems] == ["PIN GANDA GPIO17", "PIN GANDA GPIO6"]
