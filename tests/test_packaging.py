"""A Raspberry Pi installs a wheel, not a checkout: every file the programs read
at run time (templates, styles, scripts, catalogues, example settings) must be
in it, or a page or a program fails only on the Pi."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("antrean", "launcher", "server", "kiosk", "display", "counter")


def test_the_wheel_holds_every_file_of_the_packages(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(tmp_path.glob("antrean-*.whl"))
    packed = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", *PACKAGES], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    missing = [name for name in tracked if name not in packed]
    assert not missing, f"not in the wheel: {missing}"
