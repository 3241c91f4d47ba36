"""The browser wall in real headless Chromium (Debian's), against a real server.

Pairing with a one-time code, a call appearing live and being spoken once,
the tap that unlocks sound, a revoked TV; all with the network cut off from
everything but the server, so nothing may come from a CDN.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from sqlalchemy import RowMapping, select

from antrean.wording import wait_phrase
from server.admin import revoke_device
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.store.database import Database
from server.store.statements import DISPLAY_PAIRINGS
from tests.browser import chromium, picture_path
from tests.live import serving

GESTURE_RULE = """
(() => {
  let tapped = false;
  addEventListener("click", (e) => { if (e.isTrusted) tapped = true; }, true);
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (!tapped) return Promise.reject(new DOMException("no gesture", "NotAllowedError"));
    return play.call(this);
  };
})();
"""
LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                "--disable-background-networking", "--disable-component-update"]


def stored_pairings(db: Database) -> list[RowMapping]:
    """The pairings table as it is, read apart from the code under test."""
    with db.engine.connect() as connection:
        return list(connection.execute(select(DISPLAY_PAIRINGS)).mappings())


class Office:
    def __init__(self, url: str, db: Database) -> None:
        self.url = url
        self.db = db
        self.admin = self._login("admin")
        self.officer = self._login("petugas")

    def _login(self, username: str) -> dict[str, str]:
        answer = httpx.post(f"{self.url}/api/v1/auth/token",
                            json={"username": username, "password": DEMO_PASSWORD})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def pairing(self, **options: Any) -> dict[str, Any]:
        answer = httpx.post(f"{self.url}/api/v1/sites/demo/display-pairings",
                            json=options, headers=self.admin)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def issue(self, service: str = "A") -> None:
        httpx.post(f"{self.url}/api/v1/sites/demo/tickets", json={"service": service},
                   headers=self.officer).raise_for_status()

    def call_next(self, counter: int) -> dict[str, Any]:
        answer = httpx.post(f"{self.url}/api/v1/sites/demo/counters/{counter}/call-next",
                            json={}, headers=self.officer)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def recall(self, ticket_id: int) -> None:
        httpx.post(f"{self.url}/api/v1/tickets/{ticket_id}/recall",
                   headers=self.officer).raise_for_status()


@pytest.fixture
def office(demo_sqlite: Database, tmp_path: Path) -> Iterator[Office]:
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    with serving(create_app(settings)) as url:
        yield Office(url, demo_sqlite)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=LAUNCH_FLAGS)
        yield launched
        launched.close()


def server_only(page: Page, server: str, elsewhere: list[str]) -> None:
    """Cut the page off from every host but the server; note what it tried to reach."""
    host = urlsplit(server).netloc

    def route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == host or url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    page.route("**/*", route)


def paired_page(browser: Browser, office: Office, *, size: tuple[int, int] = (1920, 1080),
                **options: Any) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    elsewhere: list[str] = []
    server_only(page, office.url, elsewhere)
    pairing = office.pairing(**options)
    page.goto(pairing["link"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{office.url}/tv/")
    return page, elsewhere


def test_the_wall_words_the_wait_as_the_ticket_prints_it(
    browser: Browser, office: Office
) -> None:
    page, _ = paired_page(browser, office)
    minutes = [None, 0, 0.4, 0.6, 7.4, 12.5, 20.0, 22.4, 22.5, 43.6, 60.0, 63.0, 119.0, 128.0]
    shown = page.evaluate("(all) => all.map(waitWords)", minutes)
    assert shown == [wait_phrase(m) or "—" for m in minutes]
    assert "sekitar 45 menit" in shown


def test_pairing_with_a_one_time_code(browser: Browser, office: Office) -> None:
    pairing = office.pairing(name="TV ruang tunggu")
    link = pairing["link"]
    assert link.startswith(f"{office.url}/tv/pair?code=")
    for token in (office.admin["Authorization"], office.officer["Authorization"]):
        assert token.split()[1] not in link  # no credential of a person in the link
    page = browser.new_page()
    page.goto(link)
    assert page.input_value("#code") == pairing["code"]
    page.click("button[type=submit]")
    page.wait_for_url(f"{office.url}/tv/")
    [cookie] = page.context.cookies()
    assert cookie["name"] == "antrean_tv" and cookie["httpOnly"] and cookie["path"] == "/tv"
    assert cookie["value"].startswith("atd_")
    assert page.text_content("#title") == "Kantor Kecamatan Demo"
    # The code worked once: a second TV cannot use it.
    other = browser.new_page()
    other.goto(link)
    other.click("button[type=submit]")
    assert "sudah dipakai" in (other.text_content(".problem") or "")
    [row] = stored_pairings(office.db)
    assert row["claimed_at"] is not None and row["device_id"] is not None
    assert pairing["code"].replace("-", "") not in row["code_hash"]


def test_a_call_appears_live_and_is_spoken_once_with_only_the_server_reachable(
    browser: Browser, office: Office, tmp_path: Path
) -> None:
    office.issue("A")
    office.issue("A")
    # The chime alone keeps the test short; the sentence's sound is checked below.
    page, elsewhere = paired_page(browser, office, sound="chime")
    page.wait_for_function("window.antreanWall.online === true")
    called = office.call_next(2)
    page.wait_for_function("document.getElementById('hero-code').textContent === 'A001'")
    assert page.text_content("#hero-counter") == "2"
    page.wait_for_function("document.body.dataset.spoken === '1'", timeout=30_000)
    assert page.evaluate("document.body.dataset.lastSpoken") == "A001:2:1"
    office.recall(called["id"])  # called again: spoken again
    page.wait_for_function("document.body.dataset.spoken === '2'", timeout=30_000)
    assert page.evaluate("document.body.dataset.lastSpoken") == "A001:2:2"
    office.call_next(1)
    page.wait_for_function("document.getElementById('hero-code').textContent === 'A002'")
    page.wait_for_function("document.body.dataset.spoken === '3'", timeout=30_000)
    page.wait_for_function("!document.getElementById('hero').classList.contains('flash')")
    page.screenshot(path=str(picture_path("tv-1920x1080.png", tmp_path)))
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.wait_for_timeout(300)
    page.screenshot(path=str(picture_path("tv-1080x1920.png", tmp_path)))
    assert page.evaluate("document.body.dataset.spoken") == "3"  # nothing said twice
    assert elsewhere == []  # every script, font and sound came from the server


def test_the_browser_asks_for_a_tap_before_it_makes_a_sound(
    browser: Browser, office: Office
) -> None:
    office.issue("B")
    paired, _ = paired_page(browser, office, sound="chime")
    # The TV switched on again the next morning: the wall opens with nobody touching it.
    # Headless Chromium lets every page play sound, so the page gets a TV browser's rule:
    # play() is refused (NotAllowedError) until a person has tapped the page.
    page = paired.context.new_page()
    page.add_init_script(GESTURE_RULE)
    page.goto(f"{office.url}/tv/")
    page.wait_for_function("window.antreanWall.online === true")
    office.call_next(3)
    page.wait_for_selector("#sound-gate:not([hidden])", timeout=20_000)
    assert "Ketuk" in (page.text_content("#enable-sound") or "")
    assert page.evaluate("document.body.dataset.spoken") is None
    page.click("#enable-sound")  # a person's tap: the browser now lets it sound
    page.wait_for_function("document.body.dataset.spoken === '1'", timeout=30_000)


def test_the_call_sound_needs_the_tv_cookie_and_is_a_wav(browser: Browser, office: Office) -> None:
    query = "/tv/sound/call.wav?code=A123&counter=3&service=A"
    assert httpx.get(office.url + query).status_code == 401
    page, _ = paired_page(browser, office)
    answer = page.request.get(office.url + query)
    assert answer.status == 200 and answer.headers["content-type"] == "audio/wav"
    with wave.open(BytesIO(answer.body()), "rb") as sound:
        assert sound.getnframes() / sound.getframerate() > 3.0


def test_a_revoked_tv_is_told_and_unpaired(browser: Browser, office: Office) -> None:
    page, _ = paired_page(browser, office)
    [row] = stored_pairings(office.db)
    with office.db.writing() as work:
        revoke_device(work, row["device_id"], datetime.now(UTC))
    page.reload()
    assert "sudah dicabut" in (page.text_content(".problem") or "")
    assert page.context.cookies() == []  # the dead token is forgotten


def test_the_cli_makes_a_pairing_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from launcher.cli import main

    monkeypatch.setenv("ANTREAN_DATA_DIR", str(tmp_path))
    assert main(["init", "--demo"]) == 0
    assert main(["display", "pair", "--site", "demo", "--services", "A,B",
                 "--url", "http://10.0.0.5:8000"]) == 0
    out = capsys.readouterr().out
    assert "open on the TV: http://10.0.0.5:8000/tv/pair?code=" in out
    assert main(["display", "pair", "--site", "nowhere"]) == 2
