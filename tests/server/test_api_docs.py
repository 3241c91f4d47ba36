"""/docs and /redoc work in an office with no way out to the internet.

Chromium opens each page with every outside host unresolvable, as in an
office whose uplink is down; the page must still draw the API, and its net log
must show that everything the page asked for came from the server itself.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.browser import FLAGS, chromium
from tests.live import serving

OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@pytest.fixture
def base_url(demo_sqlite: Database, tmp_path: Path) -> Iterator[str]:
    app = create_app(ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path))
    with serving(app) as url:
        yield url


def open_offline(url: str) -> tuple[str, list[str]]:
    """The page's DOM once its scripts ran, and every URL the page itself asked for."""
    with tempfile.TemporaryDirectory() as scratch:
        net_log = Path(scratch) / "net.json"
        shown = subprocess.run(
            [
                chromium(), *FLAGS, f"--user-data-dir={scratch}/profile", OFFLINE,
                f"--log-net-log={net_log}", "--virtual-time-budget=15000", "--dump-dom", url,
            ],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
        events: list[dict[str, Any]] = json.loads(net_log.read_text())["events"]
    origin = url.split("/", 3)
    page_origin = f"{origin[0]}//{origin[2]}"
    # The browser's own housekeeping has no initiator; what the page loads has the page's.
    asked = sorted(
        {
            e["params"]["url"]
            for e in events
            if e.get("params", {}).get("initiator") == page_origin and "url" in e["params"]
        }
    )
    return shown, asked


@pytest.mark.parametrize(
    ("page", "drawn"),
    [
        ("/docs", 'class="opblock-summary-path" data-path="/api/v1/auth/token"'),
        ("/redoc", "/api/v1/sites/{site}/tickets"),
    ],
)
def test_the_api_docs_draw_with_no_internet(base_url: str, page: str, drawn: str) -> None:
    headers = httpx.get(base_url + page).headers
    assert "default-src 'self'" in headers["content-security-policy"]
    dom, asked = open_offline(base_url + page)
    assert drawn in dom, dom[:2000]
    assert f"{base_url}/openapi.json" in asked
    assert any(u.endswith((".js",)) for u in asked)
    outside = [u for u in asked if not u.startswith(base_url + "/")]
    assert outside == []


def test_the_docs_files_are_served_here(base_url: str) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(base_url + page).text
        assert "http://" not in html and "https://" not in html, html
    for asset, kind in [
        ("swagger-ui-bundle.js", "javascript"),
        ("swagger-ui.css", "text/css"),
        ("redoc.standalone.js", "javascript"),
        ("favicon.png", "image/png"),
    ]:
        answer = httpx.get(f"{base_url}/docs/assets/{asset}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"]
