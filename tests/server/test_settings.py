"""The server's settings file: unknown keys and bad values refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.settings import SettingsError
from server.config import ServerSettings


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("prot = 8104\n", "server.toml:1: prot: unknown setting (check the spelling)"),
        ('host = "0.0.0.0"\nlog_level = "verbose"\n', "server.toml:2: log_level: Input should be"),
        ("port = 99999\n", "server.toml:1: port: Input should be less than or equal to 65535"),
        ("port = \n", "server.toml: not valid TOML: Invalid value (at line 1, column 8)"),
        ('database_url = "mysql://x/y"\n', "server.toml:1: database_url: mysql:// is not"),
    ],
)
def test_mistakes_in_the_file_name_the_file_and_line(
    text: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "server.toml"
    path.write_text(text)
    monkeypatch.setenv("ANTREAN_CONFIG", str(path))
    with pytest.raises(SettingsError) as refused:
        ServerSettings.load()
    assert words in str(refused.value)


def test_the_file_in_the_data_folder_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTREAN_CONFIG", raising=False)
    monkeypatch.setenv("ANTREAN_DATA_DIR", str(tmp_path))
    (tmp_path / "antrean-server.toml").write_text('port = 8104\nlog_level = "warning"\n')
    settings = ServerSettings.load()
    assert (settings.port, settings.log_level) == (8104, "warning")
    monkeypatch.setenv("ANTREAN_PORT", "8200")  # the environment wins over the file
    assert ServerSettings.load().port == 8200
