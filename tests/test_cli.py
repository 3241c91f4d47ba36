"""The `antrean` command line, run as a user would: real processes, real server."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ANTREAN = [sys.executable, "-m", "launcher"]


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*ANTREAN, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ANTREAN_DATA_DIR": str(tmp_path / "data")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_init_device_user_and_server(env: dict[str, str], tmp_path: Path) -> None:
    out = _run(env, "init", "--demo")
    assert "demo office 'demo' created" in out
    assert (tmp_path / "data" / "antrean.db").is_file()
    assert "exists already" in _run(env, "init", "--demo")

    token = _run(env, "device", "add", "--site", "demo", "--kind", "kiosk").strip().splitlines()[-1]
    assert token.startswith("atd_") and " " not in token
    keypad = _run(env, "device", "add", "--site", "demo", "--kind", "counter", "--counter", "3")
    keypad_token = keypad.strip().splitlines()[-1]
    listing = _run(env, "device", "list")
    assert "kiosk" in listing and "counter" in listing
    assert token not in listing, "a token is shown only once"

    _run(env, "user", "add", "siti", "--role", "officer", "--site", "demo", "--password", "s1t1-pw")

    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*ANTREAN, "server", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            assert server.poll() is None, log.read_text()
            time.sleep(0.1)

        issued = httpx.post(
            f"{base}/api/v1/sites/demo/tickets",
            json={"service": "B", "priority": "pregnant", "request_id": "k-1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert issued.status_code == 201
        assert issued.json()["ticket"]["code"] == "B001"
        status_page = httpx.get(base + issued.json()["status_path"])
        assert "B001" in status_page.text

        called = httpx.post(
            f"{base}/api/v1/sites/demo/counters/3/call-next",
            headers={"Authorization": f"Bearer {keypad_token}"},
        )
        assert called.json()["code"] == "B001"

        login = httpx.post(
            f"{base}/api/v1/auth/token", json={"username": "siti", "password": "s1t1-pw"}
        )
        assert login.status_code == 200

        spec = httpx.get(f"{base}/openapi.json").json()
        for path in (
            "/api/v1/auth/token",
            "/api/v1/sites/{site}/services",
            "/api/v1/sites/{site}/counters",
            "/api/v1/sites/{site}/queue",
            "/api/v1/sites/{site}/tickets",
            "/api/v1/sites/{site}/counters/{number}/call-next",
            "/api/v1/tickets/{ticket_id}/transfer",
            "/api/v1/tickets/{ticket_id}/call",
            "/api/v1/tickets/{ticket_id}/status",
        ):
            assert path in spec["paths"], path
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_bad_arguments_say_why(env: dict[str, str]) -> None:
    _run(env, "init", "--demo")
    done = subprocess.run(
        [*ANTREAN, "device", "add", "--site", "demo", "--kind", "counter", "--counter", "9"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no counter [9]" in done.stderr


MISTAKES = {
    "unknown office (device)": (
        ["device", "add", "--site", "kec-nowhere", "--kind", "kiosk"], {},
        "there is no office 'kec-nowhere'; the offices are: demo",
    ),
    "unknown office (user)": (
        ["user", "add", "siti", "--role", "officer", "--site", "kec-nowhere", "--password", "pw12"],
        {}, "there is no office 'kec-nowhere'",
    ),
    "no password, no terminal": (
        ["user", "add", "siti", "--role", "officer", "--site", "demo"], {},
        "no password for siti: give --password, set ANTREAN_PASSWORD",
    ),
    "a data folder that is a file": (
        ["device", "list"], {"ANTREAN_DATA_DIR": "{tmp}/a-file"}, "is a file, not a folder",
    ),
    "PostgreSQL unreachable": (
        ["device", "list"],
        {"ANTREAN_DATABASE_URL": "postgresql+psycopg://antrean@127.0.0.1:{dead}/antrean"},
        "the database cannot be used: connection failed",
    ),
    "a postgres:// address": (
        ["device", "list"], {"ANTREAN_DATABASE_URL": "postgres://antrean@127.0.0.1/antrean"},
        "write the address as postgresql+psycopg://antrean@127.0.0.1/antrean",
    ),
    "a port in use": (
        ["server", "--port", "{busy}"], {}, "port {busy} on 127.0.0.1 is in use",
    ),
    "a typo in the settings file": (
        ["device", "list"], {"ANTREAN_CONFIG": "{tmp}/server.toml"},
        "server.toml:1: prot: unknown setting",
    ),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_ordinary_mistakes_get_one_line_and_no_traceback(
    mistake: str, env: dict[str, str], tmp_path: Path
) -> None:
    _run(env, "init", "--demo")
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "server.toml").write_text("prot = 8104\n")
    args, changes, words = MISTAKES[mistake]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        values = {"tmp": str(tmp_path), "dead": str(_free_port()), "busy": port}
        done = subprocess.run(
            [*ANTREAN, *(a.format(**values) for a in args)],
            env={**env, **{k: v.format(**values) for k, v in changes.items()}},
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("antrean: ")
    assert words.format(**values) in lines[0]


def test_the_demo_runs_a_whole_office(env: dict[str, str], tmp_path: Path) -> None:
    """The main job: server, simulated kiosk and keypads, for a few seconds."""
    done = subprocess.run(
        [*ANTREAN, "demo", "--port", str(_free_port()), "--seconds", "10", "--speed", "6"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "demo office 'demo' created" in done.stdout
    assert "kiosk    printed" in done.stdout, done.stdout
    assert "memanggil" in done.stdout, "an officer called someone"
    assert "LCD [L" in done.stdout, "on a keypad, whose LCD showed the call"
    pictures = list((tmp_path / "data" / "kiosk-output").glob("ticket-*.png"))
    assert pictures, "every printed ticket is also a picture"
    assert (tmp_path / "data" / "kiosk-output" / "printer.bin").stat().st_size > 0
    assert "display  browser wall (a smart TV): open http" in done.stdout
    assert "display  shows" in done.stdout, "the wall showed a call"
    assert list((tmp_path / "data" / "display-output").glob("frame-*.png"))
    [ending] = [line for line in done.stdout.splitlines() if line.startswith("demo ended:")]
    printed = len(pictures)
    counts = re.search(r"(\d+) presses at the kiosk gave (\d+) tickets", ending)
    assert counts is not None, ending
    pressed = int(counts[1])
    assert int(counts[2]) == printed, ending
    if pressed > printed:
        assert f"{pressed - printed} gave none (" in ending, "the end line says why"


def test_ctrl_c_stops_the_demo_with_its_summary(env: dict[str, str], tmp_path: Path) -> None:
    with subprocess.Popen(
        [*ANTREAN, "demo", "--port", str(_free_port()), "--speed", "6"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as demo:
        assert demo.stdout is not None
        try:
            printed = 0
            for line in demo.stdout:
                printed += "kiosk    printed" in line
                if printed == 2:
                    break  # the office is at work
            demo.send_signal(signal.SIGINT)
            rest = demo.stdout.read()
            assert demo.wait(60) == 0, rest
        finally:
            if demo.poll() is None:
                demo.kill()
    ended = re.search(r"^demo ended: \d+ presses at the kiosk gave \d+ tickets", rest, re.M)
    assert ended, rest
    assert "Traceback" not in rest
