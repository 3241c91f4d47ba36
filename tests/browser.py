"""Headless Chromium (Debian's package) for looking at pages as a person would."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Without the background-networking flags Chromium keeps trying to reach
# outside hosts, which a closed office network (and CI) refuses.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
PICTURES = Path(__file__).resolve().parent.parent / "docs" / "images"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("Chromium is missing: scripts/test.sh installs Debian's chromium")
    return found


def _run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )


def dom(url: str) -> str:
    """The page's DOM after it loaded."""
    return _run(url, "--dump-dom").stdout


def screenshot(url: str, target: Path, width: int, height: int) -> Path:
    _run(url, f"--screenshot={target}", f"--window-size={width},{height}")
    return target


def picture_path(name: str, fallback: Path) -> Path:
    """docs/images/NAME when ANTREAN_WRITE_PICTURES=1 (to refresh the docs), else fallback."""
    if os.environ.get("ANTREAN_WRITE_PICTURES") == "1":
        PICTURES.mkdir(parents=True, exist_ok=True)
        return PICTURES / name
    return fallback / name


CHROMIUM = "/usr/bin/chromium"


@contextmanager
def browser_page(width: int = 1366, height: int = 860) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else chromium(),
            args=[flag for flag in FLAGS if flag != "--headless"],
        )
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            yield context.new_page()
        finally:
            browser.close()
