"""The dashboard and the report pages in real headless Chromium, against a real server.

- The dashboard's alert appears, without a reload, when a citizen's wait passes
  the service's target (with no event to prompt it), when a kiosk disconnects and
  when its printer runs low; three open dashboards cost one computation per change.
- A day's report is written up, exported, and the XLSX read back with openpyxl
  holds the figures the reporting module computes; the PDF is a PDF.
Pictures of every page go to docs/images/ with ANTREAN_WRITE_PICTURES=1.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import websockets

from antrean.health import DeviceHealth, PrinterState
from antrean.protocol import PROTOCOL_VERSION
from antrean.vocabulary import DeviceKind, Role
from server.admin import add_device, add_user
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.engine import commands
from server.engine.commands import find_site
from server.reports import figures, satisfaction
from server.store import survey
from server.store.database import Database
from server.store.survey import SurveyAnswers
from tests.browser import browser_page, picture_path
from tests.conftest import Clock, make_demo_database
from tests.live import serving
from tests.reports.busy_day import play

WAIT = 20_000  # ms


@dataclass
class Served:
    url: str
    db: Database
    app: Any


def sign_in(page: Any, url: str, target: str) -> None:
    page.goto(f"{url}{target}")
    page.fill("#username", "kasi")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{url}{target}**")


@pytest.fixture
def live_office(tmp_path: Path) -> Iterator[Served]:
    """The demo office on a clock that runs, with a supervisor."""
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.writing() as work:
        add_user(work, "kasi", DEMO_PASSWORD, Role.SUPERVISOR, "demo", "Kepala Seksi Pelayanan")
    app = create_app(ServerSettings(database_url=db.url, data_dir=tmp_path))
    with serving(app) as url:
        yield Served(url, db, app)
    db.dispose()


class Kiosk:
    """A kiosk's socket in a thread of its own: hello, a health report, then gone."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.replace("http://", "ws://") + "/ws"
        self.token = token
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.socket: Any = None

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def connect(self) -> None:
        async def go() -> None:
            self.socket = await websockets.connect(self.url)
            await self.socket.send(json.dumps(
                {"type": "hello", "protocol": PROTOCOL_VERSION, "token": self.token}
            ))
            for _ in range(2):  # welcome, snapshot
                await self.socket.recv()
        self._run(go())

    def report(self, printer: PrinterState) -> None:
        health = DeviceHealth(version="0.1.0", uptime_seconds=60, printer=printer)
        frame = {"type": "health", "health": health.model_dump(mode="json")}
        self._run(self.socket.send(json.dumps(frame)))

    def close(self) -> None:
        self._run(self.socket.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def test_the_dashboard_warns_live(live_office: Served, tmp_path: Path) -> None:
    db, url = live_office.db, live_office.url
    now = datetime.now(UTC)
    with db.writing() as work:
        site = find_site(work, "demo")
        for service in work.services(site.id):
            service.wait_target_minutes = {"A": 1, "B": 30}.get(service.code)
            work.save(service)
        commands.issue_ticket(work, site, "A", now - timedelta(seconds=52))
        commands.issue_ticket(work, site, "B", now - timedelta(minutes=4))
        commands.call_next(work, site, 2, now - timedelta(minutes=3))
        _, token = add_device(work, "demo", DeviceKind.KIOSK, now, name="Kios pintu masuk")
    kiosk = Kiosk(url, token)
    kiosk.connect()
    problems: list[str] = []
    with browser_page(1366, 900) as page:
        page.on("pageerror", lambda error: problems.append(str(error)))
        sign_in(page, url, "/dashboard")
        page.wait_for_selector("#live.online", timeout=WAIT)
        page.evaluate("window.stayedOpen = true")
        panel = "#site-demo"
        page.wait_for_selector(f"{panel} li.online[data-device]", timeout=WAIT)
        assert page.locator(f"{panel} .alert").count() == 0
        assert page.inner_text(f"{panel} tr[data-service='A'] td.waiting") == "1"
        assert page.inner_text(f"{panel} .counter[data-counter='2'] .ticket-code") == "B001"

        # A001's minute passes with nothing happening: the board looks again by itself.
        page.wait_for_selector(f"{panel} .alert[data-kind='wait_over_target'][data-subject='A']",
                               timeout=WAIT)
        assert page.locator(f"{panel} tr[data-service='A'].over").count() == 1

        kiosk.report(PrinterState.PAPER_NEAR_END)
        page.wait_for_selector(f"{panel} .alert[data-kind='paper_low']", timeout=WAIT)
        kiosk.close()
        page.wait_for_selector(f"{panel} .alert[data-kind='device_offline']", timeout=WAIT)
        page.wait_for_selector(f"{panel} li.offline[data-device]", timeout=WAIT)
        assert page.evaluate("window.stayedOpen") is True, "the page was never reloaded"
        page.screenshot(path=str(picture_path("dashboard.png", tmp_path)))

        # Three dashboards open: one change is computed once, not once per watcher.
        context = page.context
        others = [context.new_page() for _ in range(2)]
        for other in others:
            other.goto(f"{url}/dashboard")
            other.wait_for_selector("#live.online", timeout=WAIT)
        boards = live_office.app.state.dashboard_boards
        page.wait_for_timeout(600)  # the last burst settled
        before = boards.computations
        with db.writing() as work:
            site = find_site(work, "demo")
        import httpx
        with db.writing() as work:
            _, kiosk_token = add_device(work, "demo", DeviceKind.KIOSK, now, name="Kios 2")
        httpx.post(f"{url}/api/v1/sites/demo/tickets", json={"service": "C"},
                   headers={"Authorization": f"Bearer {kiosk_token}"}, timeout=10
                   ).raise_for_status()
        for shown in (page, *others):
            shown.wait_for_selector(f"{panel} tr[data-service='C'] td.waiting:text-is('1')",
                                    timeout=WAIT)
        assert boards.computations - before == 1
    assert problems == []


SUGGESTIONS = (
    "Mohon kursi tunggu ditambah.",
    "Petugas ramah, terima kasih.",
    "Papan persyaratan perlu huruf lebih besar.",
    "Tunggu > 1 jam untuk KTP, mohon loket <b>ditambah</b>.",
)


def _answers(db: Database, day: date, rng: random.Random) -> int:
    """Survey answers from a fifth of the day's finished visits, written as the
    citizen's page would (server/store/survey.py)."""
    written = 0
    with db.writing() as work:
        site = find_site(work, "demo")
        for ticket in work.tickets_of_site(site.id):
            if ticket.finished_at is None or rng.random() > 0.2:
                continue
            scores = tuple(rng.choices((2, 3, 4), (1, 5, 4))[0] for _ in range(9))
            survey.record(work, ticket.id, SurveyAnswers(
                site.id, ticket.service_id, day, ticket.finished_at + timedelta(minutes=3),
                scores, {"sex": rng.choice(("male", "female"))},
                # Every third respondent writes a suggestion (markup in it stays text).
                suggestion=SUGGESTIONS[written // 3 % len(SUGGESTIONS)]
                if written % 3 == 0 else None,
            ))
            written += 1
    return written


def test_a_day_is_reported_exported_and_read_back(tmp_path: Path) -> None:
    day = date(2026, 11, 24)
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    played = play(db, day)
    respondents = _answers(db, day, random.Random(3))
    with db.writing() as work:
        add_user(work, "kasi", DEMO_PASSWORD, Role.SUPERVISOR, "demo", "Kepala Seksi Pelayanan")
    clock = Clock(played.closed + timedelta(hours=2))
    app = create_app(ServerSettings(database_url=db.url, data_dir=tmp_path), clock=clock)
    with db.reading() as work:
        expected = figures.build(work, find_site(work, "demo"), day, day, clock())
        index = satisfaction.build(work, find_site(work, "demo"), day, day, clock())
    problems: list[str] = []
    with serving(app) as url, browser_page(1366, 900) as page:
        page.on("pageerror", lambda error: problems.append(str(error)))
        sign_in(page, url, "/reports")
        assert page.url.endswith(f"/reports/demo/day/{day.isoformat()}")
        row = page.locator("#services tr[data-service='A']")
        assert row.locator("td.issued").inner_text() == str(expected.services[0].outcomes.issued)

        page.fill("#obstacles", "Printer kios macet pukul 10.15–10.40.")
        page.fill("#follow_up", "Kertas cadangan disimpan di meja informasi.")
        page.click("#save-notes")
        page.wait_for_selector(".notice", timeout=WAIT)
        assert page.input_value("#obstacles") == "Printer kios macet pukul 10.15–10.40."
        page.screenshot(path=str(picture_path("report-day.png", tmp_path)), full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=str(picture_path("report-day-print.png", tmp_path)), full_page=True)
        page.emulate_media(media="screen")

        with page.expect_download() as download:
            page.click("#export-xlsx")
        workbook_path = tmp_path / "day.xlsx"
        download.value.save_as(workbook_path)
        with page.expect_download() as download:
            page.click("#export-csv")
        csv_path = tmp_path / "day.csv"
        download.value.save_as(csv_path)

        answer = page.request.get(f"{url}/reports/demo/day/{day.isoformat()}/pdf")
        assert answer.status == 200 and answer.body()[:5] == b"%PDF-"
        (tmp_path / "day.pdf").write_bytes(answer.body())

        page.goto(f"{url}/reports/demo/week/{day.isoformat()}")
        page.wait_for_selector("#week-notes dd", timeout=WAIT)
        assert "Printer kios macet" in page.inner_text("#week-notes")
        page.screenshot(path=str(picture_path("report-week.png", tmp_path)), full_page=True)

        page.goto(f"{url}/reports/demo/ikm?first={day.isoformat()}&last={day.isoformat()}")
        page.screenshot(path=str(picture_path("report-ikm.png", tmp_path)), full_page=True)
        assert page.inner_text("#ikm-grade") in "ABCD"
        assert f"{respondents} / " in page.inner_text(".headline")

        said = page.locator("#suggestions li").all_inner_texts()
        assert len(said) == len(index.suggestions) == (respondents + 2) // 3
        assert all(line.endswith(SUGGESTIONS) for line in said)
        assert any(line.endswith("<b>ditambah</b>.") for line in said), "markup shown as text"

        page.click("button.lang[value='en']")
        page.wait_for_selector("h1:text-is('Community Satisfaction Index (IKM)')", timeout=WAIT)
    db.dispose()
    assert problems == []

    book = openpyxl.load_workbook(workbook_path)
    sheet = book["Per layanan"]
    rows = list(sheet.iter_rows(values_only=True))
    heading = rows.index(next(r for r in rows if r[0] == "Kode"))
    columns = list(rows[heading])
    found = {r[0] or "total": dict(zip(columns, r, strict=True)) for r in rows[heading + 1:]}
    for line in [*expected.services, expected.total]:
        got = found[line.code or "total"]
        assert got["Nomor diambil"] == line.outcomes.issued
        assert got["Dilayani"] == line.outcomes.served
        assert got["Tidak hadir"] == line.outcomes.no_show
        mean = line.wait.mean
        assert got["Tunggu rata-rata (menit)"] == (None if mean is None else round(mean / 60, 1))
        share = line.over_target_share
        assert got["Lewat target"] == (None if share is None else pytest.approx(share))
    notes = list(book["Catatan"].iter_rows(values_only=True))
    assert notes[-1][1] == "Printer kios macet pukul 10.15–10.40."
    counters = {r[0]: r for r in book["Per loket"].iter_rows(values_only=True)}
    assert counters[1][2] == expected.counters[0].served
    assert expected.total.outcomes.issued == 110
    # The span's IKM is in the workbook too, as the IKM page computes it.
    ikm_rows = list(book["IKM per layanan"].iter_rows(values_only=True))
    total_row = next(r for r in ikm_rows if r[1] == "Jumlah")
    assert total_row[2] == index.overall.respondents == respondents
    assert total_row[5] == round(index.overall.index, 2)
    elements = [
        r for r in book["IKM per unsur"].iter_rows(values_only=True)
        if r[5] in ("A", "B", "C", "D")
    ]
    assert len(elements) == 9
    written = [r[2] for r in book["Saran"].iter_rows(values_only=True)
               if isinstance(r[2], str) and r[2].endswith(SUGGESTIONS)]
    assert len(written) == len(index.suggestions)
    text = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("Kode,Layanan,")
    assert len(text) == len(expected.services) + 2
