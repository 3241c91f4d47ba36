"""The admin pages in real headless Chromium, against a real server and real devices.

An admin adds a service and a kiosk (a real DeviceClient on the socket) issues
it at once; edits a counter's services; adds a kiosk, whose token works, and
revokes it, which cuts it off; and finds each change in the audit. Every admin
page is photographed on the way (docs/images/admin-*.png).
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image, ImageDraw, ImageFont

from antrean.client import ConnectionState, DeviceClient
from antrean.health import DeviceHealth, PrinterState
from antrean.protocol import IssueTicketCommand, QueueSnapshot
from antrean.vocabulary import DeviceKind, Role
from server.admin import add_device, add_user
from server.app import create_app
from server.audit import Author
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.office.apply import apply_office
from server.office.examples import EXAMPLE
from server.office.file import read_office_file
from server.store import accounts
from server.store.database import Database
from tests.browser import browser_page, picture_path
from tests.conftest import make_demo_database
from tests.live import serving

WAIT = 15_000  # ms
T = TypeVar("T")


class Devices:
    """Device clients on their own event loop, driven from the test's thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clients: list[DeviceClient] = []

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 15) -> T:
        done: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return done.result(timeout)

    def connect(self, token: str) -> DeviceClient:
        async def start() -> DeviceClient:
            client = DeviceClient(self.url, token)
            await client.start()
            await client.wait_online(10)
            return client

        client = self.run(start())
        self.clients.append(client)
        return client

    def until(self, client: DeviceClient, check: Any, timeout: float = 10) -> QueueSnapshot:
        async def wait() -> QueueSnapshot:
            async with asyncio.timeout(timeout):
                while client.snapshot is None or not check(client.snapshot):
                    await asyncio.sleep(0.05)
            return client.snapshot

        return self.run(wait(), timeout + 5)

    def close(self) -> None:
        for client in self.clients:
            self.run(client.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[str, Database, str]]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.writing() as work:
        apply_office(work, read_office_file(EXAMPLE), Author("setup", "file"),
                     datetime.now(UTC))
        _, kiosk = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC),
                              name="Kios pintu depan")
        add_device(work, "demo", DeviceKind.DISPLAY, datetime.now(UTC), name="Layar ruang tunggu")
        sup = add_user(work, "sri", DEMO_PASSWORD, Role.SUPERVISOR, "kecamatan",
                       "Sri Wahyuni")
        accounts.set_other_sites(work, sup.id, [find_site(work, "demo").id])
    settings = ServerSettings(database_url=db.url, data_dir=tmp_path)
    with serving(create_app(settings)) as url:
        yield url, db, kiosk
    db.dispose()


def _slide_picture() -> bytes:
    """A procedure slide such as offices put on the wall."""
    picture = Image.new("RGB", (1920, 1080), (18, 52, 59))
    draw = ImageDraw.Draw(picture)
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
    big = ImageFont.truetype(font, 96) if Path(font).exists() else ImageFont.load_default()
    small = ImageFont.truetype(font, 54) if Path(font).exists() else ImageFont.load_default()
    draw.text((120, 120), "Alur Pelayanan KTP-el", fill=(255, 216, 77), font=big)
    for row, step in enumerate(["1. Ambil nomor antrean", "2. Siapkan KK dan surat pengantar",
                                "3. Tunggu nomor dipanggil", "4. Foto & rekam sidik jari"]):
        draw.text((160, 360 + row * 140), step, fill=(255, 255, 255), font=small)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def test_an_admin_runs_the_office_from_the_browser(
    office: tuple[str, Database, str], tmp_path: Path
) -> None:
    url, _, kiosk_token = office
    devices = Devices(url)
    problems: list[str] = []
    shots: list[str] = []

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(picture_path(f"admin-{name}.png", tmp_path)), full_page=True)
        shots.append(name)

    try:
        kiosk = devices.connect(kiosk_token)
        devices.run(kiosk.report_health(DeviceHealth(
            version="0.1.0", uptime_seconds=5400, printer=PrinterState.PAPER_NEAR_END,
            detail="sisa kertas ±10%",
        )))
        with browser_page(1366, 900) as page:
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto(f"{url}/admin")
            page.fill("#username", "admin")
            page.fill("#password", DEMO_PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"{url}/admin")
            assert page.locator(".office-card").count() == 2
            shot(page, "overview")

            # A service added on the page: the kiosk has it at once and issues it.
            page.goto(f"{url}/admin/sites/demo/services/new")
            page.fill("#f-code", "H")
            page.fill("#f-name", "Layanan Malam KTP & KK")
            page.fill("#f-requirements", "Surat pengantar RT/RW, KK.")
            page.fill("#f-daily_quota", "30")
            page.fill("#f-minutes", "")
            page.click("#save")
            page.wait_for_selector("#form-problems", timeout=WAIT)
            assert page.inner_text("#e-minutes") == "Wajib diisi."
            shot(page, "service-mistake")
            page.fill("#f-minutes", "7,5")
            page.fill("#f-wait_target_minutes", "30")
            page.click("#save")
            page.wait_for_selector("#flash", timeout=WAIT)
            assert "Tersimpan: 1 perubahan." in page.inner_text("#flash")
            devices.until(kiosk, lambda s: "H" in [x.code for x in s.services])
            issued = devices.run(kiosk.send(IssueTicketCommand(site="demo", service="H")))
            assert issued is not None and issued["ticket"]["code"] == "H001"
            shot(page, "services")

            # A counter's services edited: H first at counter 1.
            page.goto(f"{url}/admin/sites/demo/counters/1")
            page.check("#serve-H")
            assert page.input_value("input[name='order_H']") == "3", "the next place, by itself"
            page.fill("input[name='order_H']", "1")
            page.fill("input[name='order_A']", "2")
            shot(page, "counter")
            page.click("#save")
            page.wait_for_selector("#flash", timeout=WAIT)
            served = devices.until(
                kiosk, lambda s: s.counters[0].services[:1] == ["H"]
            ).counters[0].services
            assert served[:2] == ["H", "A"]
            shot(page, "counters")

            # A kiosk added: its token, shown once, works; revoked, it is cut off.
            page.goto(f"{url}/admin/sites/demo/devices")
            page.select_option("#f-kind", "kiosk")
            page.fill("#f-name", "Kios lantai 2")
            page.click("#add-device-button")
            page.wait_for_selector("#new-token", timeout=WAIT)
            token = page.inner_text("#token").strip()
            second = devices.connect(token)
            shot(page, "device-added")
            page.goto(f"{url}/admin/sites/demo/devices")
            assert token not in page.content(), "shown once"
            page.wait_for_selector("tr.trouble", timeout=WAIT)  # the first kiosk's paper
            assert "kertas hampir habis" in page.inner_text("tr.trouble")
            row = page.locator("tr", has_text="Kios lantai 2")
            assert "tersambung" in row.inner_text()
            shot(page, "devices")
            row.locator("button.danger").click()
            page.wait_for_selector("#flash", timeout=WAIT)
            assert "Kios lantai 2 dicabut" in page.inner_text("#flash")

            async def cut_off() -> ConnectionState:
                async with asyncio.timeout(10):
                    while second.state is ConnectionState.ONLINE:
                        await asyncio.sleep(0.05)
                return second.state

            assert devices.run(cut_off()) is not ConnectionState.ONLINE
            assert second.refusal is not None and second.refusal.code == "device_revoked"

            # Each change is in the audit, with who and what.
            page.goto(f"{url}/admin/audit?site=demo")
            subjects = page.locator("#audit td.subject").all_inner_texts()
            revoked = next(s for s in subjects if s.endswith("revoked"))
            assert subjects.index(revoked) == 0, "newest first"
            assert "demo: counter 1 services" in subjects and "demo: service H" in subjects
            assert page.locator("#audit tr", has_text="demo: counter 1 services").locator(
                "td.after").inner_text() == "[H, A, C]"
            shot(page, "audit")
            page.select_option("#q-kind", "service")
            page.click("#filter")
            page.wait_for_url("**kind=service**")
            assert page.locator("#audit td.subject").all_inner_texts() == ["demo: service H"]

            # The remaining pages, photographed for the documentation.
            page.goto(f"{url}/admin/sites/kecamatan")
            shot(page, "office")
            page.goto(f"{url}/admin/sites/kecamatan/services/A")
            shot(page, "service")
            page.goto(f"{url}/admin/sites/demo/announcements")
            page.fill("#f-announcements",
                      "Selamat datang di Kantor Kecamatan Demo.\n"
                      "Siapkan berkas persyaratan sebelum nomor Anda dipanggil.")
            page.click("#save")
            page.wait_for_selector("#flash", timeout=WAIT)
            shot(page, "announcements")
            page.goto(f"{url}/admin/sites/demo/slides")
            page.set_input_files("#f-picture", files=[{
                "name": "alur-ktp.png", "mimeType": "image/png", "buffer": _slide_picture(),
            }])
            page.click("#upload button.primary")
            page.wait_for_selector("#slides li", timeout=WAIT)
            shot(page, "slides")
            page.goto(f"{url}/admin/users")
            shot(page, "users")
            page.locator("#users tr", has_text="sri").locator("a").click()
            page.wait_for_selector("#user-form", timeout=WAIT)
            shot(page, "user")
            page.goto(f"{url}/admin/sites/demo/file")
            text = page.input_value("#f-text")
            page.fill("#f-text", text.replace("daily_quota = 30\n", "daily_quota = 40\n"))
            page.click("#preview")
            page.wait_for_selector("#planned", timeout=WAIT)
            assert page.inner_text("#planned") == "~ service H daily_quota: 30 → 40"
            shot(page, "file")
            page.goto(f"{url}/admin/new")
            shot(page, "new")
            page.click("button.lang:text('EN')")
            page.goto(f"{url}/admin/sites/demo/devices")
            assert "paper low" in page.inner_text("tr.trouble")
    finally:
        devices.close()
    assert problems == []
    assert len(shots) == 16
