"""The nginx configuration in docs/: nginx's own check passes, and devices work through it
over TLS (the socket's upgrade, deltas, REST, the redirect from plain http)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from antrean.client import DeviceClient
from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import EventType
from tests.realtime.conftest import Office, free_socket

CONFIG = Path(__file__).resolve().parents[2] / "docs" / "nginx" / "antrean.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with openssl."""
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=antrean.example.go.id", "-keyout", str(key), "-out", str(cert),
            "-addext", "subjectAltName=DNS:antrean.example.go.id,IP:127.0.0.1",
        ],
        check=True, capture_output=True,
    )
    return cert, key


def installed(folder: Path, site: str) -> Path:
    """nginx's main file for a throwaway prefix, including the site as shipped."""
    (folder / "conf.d").mkdir(exist_ok=True)
    (folder / "conf.d" / "antrean.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\n"
        "error_log stderr warn;\n"
        "events {}\n"
        "http {\n"
        f"    access_log off;\n"
        f"    client_body_temp_path {folder}/body;\n"
        f"    proxy_temp_path {folder}/proxy;\n"
        f"    include {folder}/conf.d/antrean.conf;\n"
        "}\n"
    )
    return main


def with_certificate(site: str, cert: Path, key: Path) -> str:
    site, found = re.subn(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    assert found == 1
    site, found = re.subn(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    assert found == 1
    return site


def test_nginx_accepts_the_shipped_configuration(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    main = installed(tmp_path, with_certificate(CONFIG.read_text(), cert, key))
    done = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(main)],
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


@pytest.fixture
def proxied(
    make_office: Callable[..., Office], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Office, str, str]]:
    """The office's server behind nginx as configured in docs/, on loopback ports."""
    office = make_office()
    cert, key = certificate(tmp_path)
    https_port, http_port = free_port(), free_port()
    site = with_certificate(CONFIG.read_text(), cert, key)
    # Only the addresses change: this machine's ports instead of 80/443, and the one
    # server under test as the only upstream.
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site, upstreams = re.subn(
        r"(\n\s*server 10\.20\.0\.11:8000)", f"\n    server 127.0.0.1:{office.server.port}", site
    )
    assert upstreams == 1
    site = re.sub(r"\n\s*server 10\.20\.0\.\d+:8000[^;]*;", "", site)
    main = installed(tmp_path, site)
    log = tmp_path / "nginx.log"
    with log.open("wb") as output:
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-e", "stderr", "-c", str(main), "-g", "daemon off;"],
            stderr=output,
        )
    deadline = time.monotonic() + 15
    while not (tmp_path / "nginx.pid").exists():
        assert nginx.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.05)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the device trusts this certificate
    try:
        yield office, f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}"
    finally:
        nginx.terminate()
        nginx.wait(15)


def test_devices_work_through_nginx_over_tls(proxied: tuple[Office, str, str]) -> None:
    office, https, http = proxied

    async def scenario() -> None:
        display = DeviceClient(https, office.tokens["display"])
        kiosk = DeviceClient(https, office.tokens["kiosk"])
        seen: list[EventType] = []
        display.on_change(lambda u: seen.append(u.event.type) if u.event else None)
        async with display, kiosk:
            await display.wait_online(10)
            await kiosk.wait_online(10)
            issued = await kiosk.send(IssueTicketCommand(site="demo", service="A"))
            assert issued is not None
            async with asyncio.timeout(5):
                while EventType.ISSUED not in seen:
                    await asyncio.sleep(0.02)
            assert display.snapshot is not None
            assert issued["ticket"]["id"] in [t.id for t in display.snapshot.waiting]
        async with httpx.AsyncClient(verify=False) as client:  # our own certificate, on loopback
            healthy = await client.get(f"{https}/healthz")
            assert healthy.status_code == 200 and healthy.json()["status"] in ("ok", "degraded")
            plain = await client.get(f"{http}/healthz")
            assert plain.status_code == 301
            assert plain.headers["location"].startswith("https://")
            hidden = await client.get(f"{https}/metrics")
            assert hidden.status_code == 403

    asyncio.run(scenario())
