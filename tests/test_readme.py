"""The README's "Running an office" commands, run as written from a fresh clone.

A new office follows the README line by line; if a line fails there (a command
not on the PATH, a missing extra, a renamed option), the office's first hour
fails. So the block is read from the README itself and run in a copy of the
repository holding only its tracked files, with a fresh virtual environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]


def readme_block(heading: str) -> list[str]:
    """The commands of the first ```sh block under `heading`, one per line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, f"no sh block under {heading!r}"
    return [line for line in block.group(1).splitlines() if line.strip()]


def fresh_clone(into: Path) -> Path:
    """The tracked files only, as `git clone` would give them (a new file
    someone forgot to add would be missing here too)."""
    clone = into / "antrean"
    if (ROOT / ".git").exists():
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        # The working tree's tracked changes, so the test checks what is being tested.
        tracked = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
        ).stdout.decode().split("\0")
        for name in filter(None, tracked):
            source = ROOT / name
            if source.is_file():
                (clone / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, clone / name)
    else:
        shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns(".venv", ".*-data", "build"))
    return clone


def test_the_readme_sets_an_office_up_as_written(tmp_path: Path) -> None:
    lines = readme_block("Running an office")
    *setup, serve = lines
    assert serve.startswith("antrean server"), "the block ends by starting the server"
    port = free_port()
    # The only change to the README's words: another port, free on this machine.
    serve = serve.replace("--port 8000", f"--port {port}").replace("0.0.0.0", "127.0.0.1")
    clone = fresh_clone(tmp_path)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("ANTREAN_", "VIRTUAL_ENV"))
    }
    env |= {
        "ANTREAN_DATA_DIR": str(tmp_path / "data"),
        "ANTREAN_PASSWORD": "sandi-rahasia-1",
        # No virtual environment of the tests' own: the README must bring its own.
        "PATH": os.pathsep.join(
            part for part in env["PATH"].split(os.pathsep)
            if Path(part) != Path(sys.executable).parent
        ),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    script = "set -euo pipefail\n" + "\n".join(setup) + f"\nexec {serve}\n"
    server = subprocess.Popen(
        ["bash", "-c", script], cwd=clone, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        health = None
        deadline = time.monotonic() + 600
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    health = answer.status
                    break
            except OSError:
                time.sleep(0.5)
        if health is None:
            server.kill()
            output = server.communicate()[0]
            pytest.fail(f"the README's commands did not bring a server up:\n{output[-4000:]}")
        with urllib.request.urlopen(f"{base}/", timeout=5) as answer:
            front = answer.read().decode()
        assert health == 200
        assert "Bontang Selatan" in front, "the office from the example file is served"
    finally:
        server.terminate()
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
