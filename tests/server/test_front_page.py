"""The front page: anyone who opens the server's address sees each office's queue."""

from __future__ import annotations

from pathlib import Path

import httpx

from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.browser import browser_page, picture_path
from tests.conftest import Clock
from tests.live import serving
from tests.server.conftest import Api


def test_the_front_page_shows_each_office_queue_in_a_browser(
    demo_sqlite: Database, api: Api, clock: Clock, tmp_path: Path
) -> None:
    officer = api.login("petugas")
    for service in "AABC":
        api.issue(officer, service)
    app = create_app(ServerSettings(database_url=demo_sqlite.url), clock=clock)
    with serving(app) as base:
        answer = httpx.get(base + "/", headers={"accept": "text/html"}, timeout=10)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        with browser_page(1280, 800) as page:
            page.goto(base + "/")
            assert page.title() == "Antrean layanan"
            office = page.locator(".home-office").first
            assert "Kantor Kecamatan Demo" in office.inner_text()
            rows = {
                cells[0].split(" ", 1)[0]: cells
                for cells in (
                    [c.inner_text().strip() for c in row.locator("td").all()]
                    for row in office.locator("tbody tr").all()
                )
            }
            assert rows["A"][1] == "2" and rows["B"][1] == "1" and rows["D"][1] == "0"
            assert page.get_by_role("link", name="Masuk untuk petugas").get_attribute("href") == (
                "/sign-in"
            )
            page.screenshot(path=str(picture_path("home.png", tmp_path)), full_page=True)
            page.get_by_role("button", name="EN").click()
            assert page.title() == "Service queue"


def test_a_mistyped_address_gets_a_page_for_people_and_json_for_programs(
    demo_sqlite: Database, clock: Clock
) -> None:
    app = create_app(ServerSettings(database_url=demo_sqlite.url), clock=clock)
    with serving(app) as base:
        page = httpx.get(base + "/antrian", headers={"accept": "text/html"}, timeout=10)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Halaman ini tidak ada" in page.text and 'href="/"' in page.text
        for address in ("/antrian", "/api/v1/nothing"):
            answer = httpx.get(base + address, headers={"accept": "application/json"}, timeout=10)
            assert answer.status_code == 404
            assert answer.json()["error"]["code"] == "not_found"
        api_in_a_browser = httpx.get(
            base + "/api/v1/nothing", headers={"accept": "text/html"}, timeout=10
        )
        assert api_in_a_browser.json()["error"]["code"] == "not_found"
