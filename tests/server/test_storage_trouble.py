"""A full SD card or one the kernel remounted read-only: the real server, on a
real file system in that state (a tmpfs in a mount namespace of its own), is
up, says what is wrong (systemd's status line, /healthz, a 503 refusal to
devices) instead of crashing into a restart loop, and recovers by itself once
the card is fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from tests.conftest import make_demo_database
from tests.live import free_port
from tests.notify import NotifySocket


def _office(folder: Path) -> tuple[Path, str]:
    """A demo office's database file and a kiosk token for it."""
    path = folder / "antrean.db"
    db = make_demo_database(f"sqlite:///{path}")
    with db.writing() as work:
        _, token = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))
    db.dispose()
    return path, token


@contextmanager
def server_on_a_card(
    tmp_path: Path, prepare: str, notify_socket: NotifySocket
) -> Iterator[tuple[str, str, int, Path]]:
    """`antrean server` with its data on a 2 MB tmpfs that `prepare` puts in a state."""
    assert shutil.which("unshare"), "util-linux's unshare is needed (mount namespaces)"
    card = tmp_path / "card"
    card.mkdir()
    database, token = _office(tmp_path / "office")
    script = (
        f"set -e; mount -t tmpfs -o size=2m antrean-card {card}; "
        f"cp {database} {card}/antrean.db; {prepare}; "
        f"exec {sys.executable} -m launcher server --port {{port}}"
    )
    port = free_port()
    env = {
        **os.environ, **notify_socket.environment(10),
        "ANTREAN_DATA_DIR": str(card), "ANTREAN_HEALTH_CHECK_SECONDS": "0.5",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script.format(port=port)],
        env=env, stdout=log, stderr=log,
    )
    try:
        yield f"http://127.0.0.1:{port}", token, server.pid, card
        assert server.poll() is None, "the server stopped"
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def _inside(pid: int, *command: str) -> None:
    """Run a command in the server's own mount namespace (where its card is mounted)."""
    subprocess.run(["nsenter", "-t", str(pid), "-m", *command], check=True)


def _issue(url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/sites/demo/tickets", json={"service": "A"},
        headers={"Authorization": f"Bearer {token}"}, timeout=10,
    )


def _until_healthy(url: str, timeout: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        answer = httpx.get(f"{url}/healthz", timeout=10)
        if answer.status_code == 200:
            return dict(answer.json())
        assert time.monotonic() < deadline, answer.json()
        time.sleep(0.2)


def test_a_full_card_is_reported_and_the_server_recovers_when_space_is_freed(
    tmp_path: Path,
) -> None:
    fill = "dd if=/dev/zero of={card}/filler bs=4k 2>/dev/null || true"
    with NotifySocket() as notify_socket, server_on_a_card(
        tmp_path, fill.format(card=tmp_path / "card"), notify_socket
    ) as (url, token, pid, card):
        ready = notify_socket.wait_for("READY=1", timeout=60)
        assert "MB free" in ready, ready  # `systemctl status` says why
        health = httpx.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "failing"
        assert body["storage"]["free_bytes"] < 100_000 and body["storage"]["ok"] is False
        refused = _issue(url, token)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "storage_unavailable"

        _inside(pid, "rm", f"{card}/filler")
        health_after = _until_healthy(url)
        # Writable again; a 2 MB card stays "nearly full", which is said but does not stop it.
        assert health_after["status"] == "degraded"
        assert _issue(url, token).json()["ticket"]["code"] == "A001"
        assert "not ready" not in notify_socket.messages()[-1][1]


def test_a_read_only_card_is_reported_and_the_server_recovers_when_it_is_writable(
    tmp_path: Path,
) -> None:
    card = tmp_path / "card"
    with NotifySocket() as notify_socket, server_on_a_card(
        tmp_path, f"mount -o remount,ro {card}", notify_socket
    ) as (url, token, pid, _):
        ready = notify_socket.wait_for("READY=1", timeout=60)
        assert "read-only" in ready, ready
        health = httpx.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 503
        assert health.json()["storage"]["read_only"] is True
        assert any("read-only" in p for p in health.json()["problems"])
        refused = httpx.post(
            f"{url}/api/v1/auth/token", json={"username": "admin", "password": "x"}, timeout=10
        )
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "storage_unavailable"
        assert "Penyimpanan server" in refused.json()["error"]["message"]["id"]

        _inside(pid, "mount", "-o", "remount,rw", str(card))
        health_after = _until_healthy(url)
        assert health_after["database"]["migrated"] is True  # type: ignore[index]
        assert _issue(url, token).json()["ticket"]["code"] == "A001"
