"""Starting the kiosk: the token check and the systemd notifications."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.main import run


def test_a_kiosk_without_token_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ANTREAN_KIOSK_TOKEN", raising=False)
    config = tmp_path / "kiosk.toml"
    config.write_text('site = "kec-utara"\n')
    with pytest.raises(ValueError, match="antrean device add --site kec-utara --kind kiosk"):
        run(config)
