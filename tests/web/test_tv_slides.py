"""The office's pictures on the browser wall (a paired TV), in real headless Chromium."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from server.app import create_app
from server.audit import Author
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.slides import add_slide, remove_slide
from server.store import slides
from server.store.database import Database
from tests.browser import browser_page, picture_path
from tests.conftest import make_demo_database
from tests.live import serving

WAIT = 15_000  # ms
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def slide(title: str, lines: list[str]) -> bytes:
    picture = Image.new("RGB", (1080, 1350), (20, 44, 78))
    draw = ImageDraw.Draw(picture)
    big = ImageFont.truetype(FONT, 84) if Path(FONT).exists() else ImageFont.load_default()
    small = ImageFont.truetype(FONT, 52) if Path(FONT).exists() else ImageFont.load_default()
    draw.text((80, 100), title, fill=(255, 200, 20), font=big)
    for row, line in enumerate(lines):
        draw.text((80, 320 + row * 130), line, fill=(246, 248, 251), font=small)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with serving(create_app(ServerSettings(database_url=db.url, data_dir=tmp_path))) as url:
        yield url, db
    db.dispose()


def _change(db: Database, change: str, data: bytes = b"", name: str = "") -> int:
    with db.writing() as work:
        site = find_site(work, "demo")
        who, now = Author("test", "web"), datetime.now(UTC)
        if change == "add":
            return add_slide(work, who, now, site, name, data).id
        remove_slide(work, who, now, site, int(name))
        return 0


def test_a_paired_tv_shows_the_pictures_and_follows_changes(
    office: tuple[str, Database], tmp_path: Path
) -> None:
    url, db = office
    admin = httpx.post(f"{url}/api/v1/auth/token",
                       json={"username": "admin", "password": DEMO_PASSWORD}).json()
    pairing = httpx.post(f"{url}/api/v1/sites/demo/display-pairings", json={"name": "TV lobi"},
                         headers={"Authorization": f"Bearer {admin['access_token']}"}).json()
    officer = httpx.post(f"{url}/api/v1/auth/token",
                         json={"username": "petugas", "password": DEMO_PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {officer['access_token']}"}
    for service in "ABA":
        httpx.post(f"{url}/api/v1/sites/demo/tickets", json={"service": service},
                   headers=bearer).raise_for_status()
    for counter in (2, 1):
        httpx.post(f"{url}/api/v1/sites/demo/counters/{counter}/call-next", json={},
                   headers=bearer).raise_for_status()
    first = _change(db, "add", slide("Alur KTP-el", ["1. Ambil nomor", "2. Siapkan KK",
                                                     "3. Tunggu dipanggil"]), "alur-ktp.png")
    with browser_page(1920, 1080) as page:
        page.goto(f"{url}/tv/pair?code={pairing['code']}")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/tv/")
        page.wait_for_selector("#slide img[alt='alur-ktp.png']", timeout=WAIT)
        assert page.evaluate("document.body.classList.contains('with-slides')")
        assert page.evaluate("document.querySelector('#slide img').naturalWidth") == 1080
        page.screenshot(path=str(picture_path("tv-slides.png", tmp_path)))

        # Changed on the admin side: the wall follows without a reload.
        _change(db, "add", slide("Syarat Akta", ["Surat keterangan lahir", "KK dan KTP"]),
                "syarat-akta.png")
        _change(db, "remove", name=str(first))
        page.wait_for_selector("#slide img[alt='syarat-akta.png']", timeout=WAIT)
        _change(db, "remove", name=str(_only_slide(db)))
        page.wait_for_function("!document.body.classList.contains('with-slides')", timeout=WAIT)


def _only_slide(db: Database) -> int:
    with db.reading() as work:
        [left] = slides.of_site(work, find_site(work, "demo").id)
    return left.id
