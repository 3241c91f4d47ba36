"""The citizen's ticket page, served by a real uvicorn and opened in real Chromium."""

from __future__ import annotations

from pathlib import Path

import httpx
from PIL import Image

from antrean.wording import wait_phrase
from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.browser import dom, picture_path, screenshot
from tests.conftest import Clock
from tests.live import serving
from tests.server.conftest import Api

PHONE = (412, 915)


def test_status_page_in_a_browser(
    demo_sqlite: Database, api: Api, clock: Clock, tmp_path: Path
) -> None:
    officer = api.login("petugas")
    for service in "AAA":
        api.issue(officer, service)
    for counter in (1, 2):  # both counters that serve A are busy
        api.client.post(
            f"/api/v1/sites/demo/counters/{counter}/call-next", headers=officer
        ).raise_for_status()
    mine = api.issue(officer, "A", priority="elderly")
    token = mine["status_path"].split("token=")[1]
    status = api.client.get(f"/api/v1/tickets/{mine['ticket']['id']}/status?token={token}")
    minutes = status.json()["estimated_wait_minutes"]
    app = create_app(ServerSettings(database_url=demo_sqlite.url), clock=clock)
    with serving(app) as base:
        url = base + mine["status_path"]
        page = dom(url)
        assert "A004" in page
        assert "Menunggu dipanggil" in page
        assert "Antrean di depan Anda" in page
        assert "0 orang" in page, "a priority ticket is first in line"
        # Called when the first of the two busy counters is done: about 8 minutes,
        # worded as the ticket and the display word it.
        assert minutes == 8.0
        assert f"<dd>{wait_phrase(minutes)}</dd>" in page
        assert wait_phrase(minutes) == "sekitar 8 menit"

        shot = screenshot(url, picture_path("status-page.png", tmp_path), *PHONE)
        picture = Image.open(shot).convert("RGB")
        assert picture.size == PHONE
        colours = picture.getcolors(maxcolors=1 << 16)
        assert colours is not None and len(colours) > 20, "the page drew text, not a blank"
        # The big ticket code is dark ink on the white card near the top.
        band = picture.crop((40, 60, PHONE[0] - 40, 200))
        darkest = max(low for low, _ in band.getextrema())  # type: ignore[misc]
        assert darkest < 70

        httpx.post(
            f"{base}/api/v1/sites/demo/counters/1/call-next", headers=officer
        ).raise_for_status()
        called = dom(url)
        assert "Dipanggil" in called and "<dd>1</dd>" in called
