"""The citizen's ticket page, served by a real uvicorn and opened in real Chromium."""

from __future__ import annotations

from pathlib import Path

import httpx
from PIL import Image

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
    mine = api.issue(officer, "A", priority="elderly")
    app = create_app(ServerSettings(database_url=demo_sqlite.url), clock=clock)
    with serving(app) as base:
        url = base + mine["status_path"]
        page = dom(url)
        assert "A004" in page
        assert "Menunggu dipanggil" in page
        assert "Antrean di depan Anda" in page
        assert "Tidak ada — Anda berikutnya" in page, "a priority ticket is first in line"
        assert "Jalur prioritas — lansia" in page
        assert "Fotokopi KK" in page, "the papers to bring"

        shot = screenshot(url, picture_path("status-page.png", tmp_path), *PHONE)
        picture = Image.open(shot).convert("RGB")
        assert picture.size == PHONE
        colours = picture.getcolors(maxcolors=1 << 16)
        assert colours is not None and len(colours) > 20, "the page drew text, not a blank"
        # The big ticket code is dark ink on the white card near the top.
        band = picture.crop((40, 90, PHONE[0] - 40, 200))
        darkest = max(low for low, _ in band.getextrema())  # type: ignore[misc]
        assert darkest < 70

        httpx.post(
            f"{base}/api/v1/sites/demo/counters/1/call-next", headers=officer
        ).raise_for_status()
        called = dom(url)
        assert "Nomor Anda dipanggil!" in called and '<span id="counter">1</span>' in called
        assert "Silakan menuju loket 1 sekarang." in called
