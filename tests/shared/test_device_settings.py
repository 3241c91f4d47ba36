"""What every device program's settings share: the server, the token, the office, and
the same strictness about keys, whether from the file or the environment; and how each
program starts with them (`antrean.startup`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import counter.main
import display.main
import kiosk.main
from antrean.settings import DeviceSettings, SettingsError
from antrean.startup import start
from counter.settings import CounterSettings
from display.settings import DisplaySettings
from kiosk.settings import KioskSettings

DEVICES: dict[str, tuple[type[DeviceSettings], str]] = {
    "ANTREAN_KIOSK_": (KioskSettings, "the kiosk needs its device token: run `antrean device "
                       "add --site kec-utara --kind kiosk` on the server and set `token` "
                       "(or ANTREAN_KIOSK_TOKEN)"),
    "ANTREAN_COUNTER_": (CounterSettings, "the keypad needs its device token: run `antrean "
                         "device add --site kec-utara --kind counter --counter N` on the "
                         "server and set `token` (or ANTREAN_COUNTER_TOKEN)"),
    "ANTREAN_DISPLAY_": (DisplaySettings, "the display needs its device token: run `antrean "
                         "device add --site kec-utara --kind display` on the server and set "
                         "`token` (or ANTREAN_DISPLAY_TOKEN)"),
}


@pytest.mark.parametrize("prefix", sorted(DEVICES))
def test_a_device_without_a_token_is_told_how_to_make_one(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_class, message = DEVICES[prefix]
    monkeypatch.delenv(f"{prefix}TOKEN", raising=False)
    settings = settings_class.load(None, site="kec-utara")
    with pytest.raises(ValueError) as refused:
        settings.require_token()
    assert str(refused.value) == message
    monkeypatch.setenv(f"{prefix}TOKEN", "atd_given")
    settings_class.load(None, site="kec-utara").require_token()


@pytest.mark.parametrize("prefix", sorted(DEVICES))
def test_each_device_reads_its_own_variables_and_refuses_unknown_keys(
    prefix: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_class, _ = DEVICES[prefix]
    monkeypatch.setenv(f"{prefix}SITE", "kec-utara")
    monkeypatch.setenv(f"{prefix}HEALTH_REPORT_SECONDS", "15")
    for other in DEVICES:
        if other != prefix:
            monkeypatch.setenv(f"{other}SERVER_URL", "http://elsewhere:1")
    config = tmp_path / "device.toml"
    config.write_text('server_url = "http://10.0.0.2:8000"\nsite = "from-the-file"\n')
    settings = settings_class.load(config)
    assert (settings.server_url, settings.site) == ("http://10.0.0.2:8000", "kec-utara")
    assert settings.health_report_seconds == 15
    config.write_text('server_url = "http://10.0.0.2:8000"\nsrever = 1\n')
    with pytest.raises(SettingsError, match=r"device.toml:2: srever: unknown setting"):
        settings_class.load(config)


PROGRAMS: dict[str, Callable[[Path], int]] = {
    "ANTREAN_KIOSK_": kiosk.main.run,
    "ANTREAN_COUNTER_": counter.main.run,
    "ANTREAN_DISPLAY_": display.main.run,
}


@pytest.mark.parametrize("prefix", sorted(PROGRAMS))
def test_a_program_without_its_token_does_not_start_and_says_how_to_get_one(
    prefix: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(f"{prefix}TOKEN", raising=False)
    config = tmp_path / "device.toml"
    config.write_text('site = "kec-utara"\n')
    _, message = DEVICES[prefix]
    with pytest.raises(ValueError) as refused:
        PROGRAMS[prefix](config)
    assert str(refused.value) == message


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize(("quiet", "level"), [(False, logging.INFO), (True, logging.WARNING)])
def test_starting_sets_the_log_lines_up(
    quiet: bool, level: int, root_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTREAN_COUNTER_TOKEN", "atd_given")
    settings = start(CounterSettings, None, quiet=quiet)
    assert settings.token.get_secret_value() == "atd_given"
    assert root_logging.level == level
    [handler] = root_logging.handlers
    line = logging.LogRecord("counter", logging.INFO, __file__, 1, "loket %d", (3,), None)
    assert handler.format(line).endswith(" INFO counter: loket 3")
