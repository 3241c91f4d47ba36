"""Settings: one TOML file, environment variables over it, clear words when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.vocabulary import Priority
from kiosk.settings import (
    FilePrinterSettings,
    KioskSettings,
    NetworkPrinterSettings,
    SerialPrinterSettings,
    UsbPrinterSettings,
)

EXAMPLES = Path(__file__).parents[2] / "kiosk" / "examples"


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTREAN_KIOSK_CONFIG", raising=False)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("usb.toml", UsbPrinterSettings), ("serial.toml", SerialPrinterSettings),
     ("network.toml", NetworkPrinterSettings), ("file.toml", FilePrinterSettings)],
)
def test_every_example_file_loads(name: str, kind: type) -> None:
    settings = KioskSettings.load(EXAMPLES / name)
    assert isinstance(settings.printer, kind)
    assert settings.buttons.pins()
    assert settings.token.get_secret_value().startswith("atd_")


def test_usb_example_reads_hex_ids_and_the_wiring() -> None:
    settings = KioskSettings.load(EXAMPLES / "usb.toml")
    printer = settings.printer
    assert isinstance(printer, UsbPrinterSettings)
    assert (printer.vendor_id, printer.product_id) == (0x0416, 0x5011)
    assert settings.buttons.pins()["GPIO17"] == "A"
    assert settings.buttons.priority_pin() == "GPIO25"
    assert settings.lights.pins() == {
        "ready": "GPIO5", "busy": "GPIO6", "problem": "GPIO13", "priority": "GPIO19",
    }
    assert settings.printer.profile().dots == 384
    assert not settings.printer.profile().cutter


def test_environment_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTREAN_KIOSK_TOKEN", "atd_from_environment")
    monkeypatch.setenv("ANTREAN_KIOSK_PRINTER__HOST", "10.0.0.9")
    monkeypatch.setenv("ANTREAN_KIOSK_BUTTONS__COOLDOWN_SECONDS", "5")
    settings = KioskSettings.load(EXAMPLES / "network.toml")
    assert settings.token.get_secret_value() == "atd_from_environment"
    assert isinstance(settings.printer, NetworkPrinterSettings)
    assert settings.printer.host == "10.0.0.9"
    assert settings.printer.port == 9100  # the rest of the section still comes from the file
    assert settings.buttons.cooldown_seconds == 5


def test_config_file_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('site = "kec-utara"\n[buttons]\nservices = { 17 = "a" }\n')
    monkeypatch.setenv("ANTREAN_KIOSK_CONFIG", str(path))
    settings = KioskSettings.load()
    assert settings.site == "kec-utara"
    assert settings.buttons.pins() == {17: "A"}  # digits become a GPIO number


def test_defaults_are_safe() -> None:
    settings = KioskSettings()
    assert settings.buttons.cooldown_seconds == 3
    assert settings.buttons.priority_kind is Priority.OTHER
    assert settings.ticket.closed_slip_interval_seconds == 60
    assert isinstance(settings.printer, FilePrinterSettings)
    assert settings.printer.queries_status() is False


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[buttons]\nservices = { GPIO17 = "A1" }\n', "not a service code"),
        ('[printer]\nkind = "usb"\nvendor_id = 1\n', "product_id"),
        ('[printer]\nkind = "network"\nhost = "x"\npaper = "110mm"\n', "unknown paper profile"),
        ('[printer]\nkind = "bluetooth"\n', "kind"),
        ('[buttons]\npriority_kind = "none"\n', "priority kinds"),
        ('sever_url = "typo"\n', "sever_url"),
        ("[buttons\n", "not valid TOML"),
    ],
)
def test_mistakes_are_explained(tmp_path: Path, toml: str, words: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ValueError, match=words) as caught:
        KioskSettings.load(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the kiosk settings"):
        KioskSettings.load(tmp_path / "nowhere.toml")
