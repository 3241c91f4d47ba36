"""`antrean office` run as a user would: real processes on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ANTREAN = [sys.executable, "-m", "launcher"]


def _antrean(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ANTREAN, *args], env=env, capture_output=True, text=True, timeout=120
    )


def _ok(env: dict[str, str], *args: str) -> str:
    done = _antrean(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


EXAMPLE = Path(__file__).resolve().parents[1] / "server" / "office" / "examples" / "kecamatan.toml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ANTREAN_DATA_DIR": str(tmp_path / "data")}


def test_an_office_set_up_from_the_example_and_written_back(
    env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    env = {**env, "ANTREAN_DATABASE_URL": database_url}
    office = tmp_path / "office.toml"
    office.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")

    planned = _ok(env, "office", "apply", str(office), "--dry-run").splitlines()
    assert planned[0] == "+ office kecamatan: Kantor Kecamatan Bontang Selatan"
    assert planned[-1].startswith("13 change(s) to office 'kecamatan' would be made")

    applied = _ok(env, "office", "apply", str(office)).splitlines()
    assert applied[0] == f"applying {office} to office 'kecamatan':"
    assert applied[1:-1] == planned[:-1], "the real run shows what the dry run showed"
    assert applied[-1] == "office 'kecamatan': 13 change(s) applied"
    again = _ok(env, "office", "apply", str(office))
    assert again == f"office 'kecamatan' is as {office} says: nothing to change\n"

    exported = tmp_path / "exported.toml"
    _ok(env, "office", "export", "kecamatan", "-o", str(exported))
    edited = exported.read_text(encoding="utf-8").replace("daily_quota = 40", "daily_quota = 45")
    assert edited != exported.read_text(encoding="utf-8")
    office.write_text(edited, encoding="utf-8")
    assert _ok(env, "office", "apply", str(office), "--dry-run").splitlines() == [
        "~ service D daily_quota: 40 → 45",
        "1 change(s) to office 'kecamatan' would be made; nothing was written (--dry-run)",
    ], "the export is the office as stored: only the edit differs"


def test_mistakes_get_one_line_and_exit_status_2(env: dict[str, str], tmp_path: Path) -> None:
    example = _ok(env, "office", "example")
    assert example == EXAMPLE.read_text(encoding="utf-8")
    office = tmp_path / "office.toml"
    office.write_text(example.replace("minutes = 12", "minutse = 12"), encoding="utf-8")
    done = _antrean(env, "office", "apply", str(office))
    assert done.returncode == 2
    assert done.stderr.startswith(f"antrean: the office file is not valid: {office}:")
    assert "services[1].minutse: unknown key" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

    done = _antrean(env, "office", "export", "nowhere")
    assert done.returncode == 2
    assert "there is no office 'nowhere'" in done.stderr and "Traceback" not in done.stderr

