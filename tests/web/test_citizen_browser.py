"""A citizen's phone, in real headless Chromium, against a real server.

The page goes live from waiting to called while an officer calls through
the API (no reload: a mark left in the page survives), sounds the chime and
asks the phone to vibrate, fetches nothing from any other server,
asks for a text that a real local receiver gets once, and after service the
survey is accepted once and refused the second time, from a second tab.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.skm import ELEMENT_CODES
from server.store import survey as answers_store
from server.store.database import Database
from tests.browser import browser_page, picture_path
from tests.conftest import make_demo_database
from tests.live import free_port, serving
from tests.server.webhook_receiver import Receiver

PHONE = (412, 915)
WAIT = 15_000  # ms
CALL_YELLOW = (0xFF, 0xD5, 0x4A)
VIBRATIONS = """
  // Headless Chromium has no motor: note what the page asks of it, then ask it still.
  window.vibrations = [];
  const vibrate = navigator.vibrate.bind(navigator);
  navigator.vibrate = (pattern) => { window.vibrations.push(pattern); return vibrate(pattern); };
"""


class Counter:
    """An officer working counters through the REST API."""

    def __init__(self, url: str) -> None:
        self.url = url
        answer = httpx.post(
            f"{url}/api/v1/auth/token", json={"username": "petugas", "password": DEMO_PASSWORD}
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def next(self, counter: int) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/api/v1/sites/demo/counters/{counter}/call-next", headers=self.headers
        )
        answer.raise_for_status()
        return dict(answer.json())

    def step(self, ticket_id: int, step: str) -> None:
        httpx.post(f"{self.url}/api/v1/tickets/{ticket_id}/{step}", headers=self.headers,
                   json={}).raise_for_status()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(free_port()).start()
    yield found
    found.stop()


@pytest.fixture
def server(tmp_path: Path, receiver: Receiver) -> Iterator[tuple[str, Database, dict[str, str]]]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.writing() as work:
        _, token = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))
        for service in work.services(find_site(work, "demo").id):
            if service.code == "A":
                service.notify_ahead = 2
                work.save(service)
    settings = ServerSettings(
        database_url=db.url, data_dir=tmp_path, notify_webhook_url=receiver.url,
        notify_retry_seconds=0.2,
    )
    with serving(create_app(settings)) as url:
        yield url, db, {"Authorization": f"Bearer {token}"}
    db.dispose()


def _issue(url: str, kiosk: dict[str, str]) -> dict[str, Any]:
    answer = httpx.post(f"{url}/api/v1/sites/demo/tickets", json={"service": "A"}, headers=kiosk)
    answer.raise_for_status()
    return dict(answer.json())


def _shoot(page: Any, name: str, tmp_path: Path, at: str | None = None) -> Image.Image:
    """A picture of what the phone shows: from the top of the page, or from `at`."""
    page.evaluate(
        "at => at ? document.querySelector(at).scrollIntoView() : window.scrollTo(0, 0)", at
    )
    page.wait_for_function(
        "at => Math.abs(window.scrollY - (at ? window.scrollY : 0)) < 1", arg=at, timeout=WAIT
    )
    page.wait_for_timeout(300)  # the scroll and the call's first pulse settle
    path = picture_path(name, tmp_path)
    page.screenshot(path=str(path))
    picture = Image.open(path).convert("RGB")
    colours = picture.getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 20, f"{name}: the page drew text, not a blank"
    return picture


def test_a_citizen_follows_their_ticket_on_a_phone(
    server: tuple[str, Database, dict[str, str]], receiver: Receiver, tmp_path: Path
) -> None:
    url, db, kiosk = server
    officer = Counter(url)
    ahead = [_issue(url, kiosk) for _ in range(3)]
    mine = _issue(url, kiosk)
    link = url + mine["status_path"]
    problems: list[str] = []
    asked_for: list[str] = []
    with browser_page(*PHONE) as page:
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.context.on("request", lambda request: asked_for.append(request.url))
        page.add_init_script(VIBRATIONS)
        page.goto(link)
        page.wait_for_selector("#ticket[data-live='on']", timeout=WAIT)
        assert page.inner_text("#code") == "A004"
        assert page.inner_text("#ahead") == "3 orang"
        assert page.inner_text("#live-mark") == "Langsung"

        # A text when two are left ahead, to a number typed on the phone.
        page.fill("#phone", "0812 3456 7890")
        page.click(".phone-form button")
        page.wait_for_selector("text=Pesan akan dikirim ke 0812•••••890", timeout=WAIT)
        page.wait_for_selector("#ticket[data-live='on']", timeout=WAIT)
        page.click("#alerts-on")  # sound and vibration, allowed by the citizen's tap
        page.wait_for_selector("#alerts-done", state="visible", timeout=WAIT)
        # The citizen taps "allow notifications" and answers the browser's question yes.
        page.context.grant_permissions(["notifications"], origin=url)
        page.click("#notify-on")
        page.wait_for_selector("#notify-done", state="visible", timeout=WAIT)
        page.check("[data-paper='1']")  # the papers checklist, kept on the phone
        _shoot(page, "citizen-waiting.png", tmp_path)

        page.evaluate("window.stillTheSamePage = true")
        officer.next(1)
        page.wait_for_function(
            "document.getElementById('ahead').textContent === '2 orang'", timeout=WAIT
        )
        officer.next(2)
        page.wait_for_function(
            "document.getElementById('ahead').textContent === '1 orang'", timeout=WAIT
        )
        officer.step(ahead[0]["ticket"]["id"], "finish")
        called = officer.next(1)
        assert called["code"] == "A003"
        officer.step(ahead[1]["ticket"]["id"], "finish")
        assert officer.next(2)["code"] == "A004"

        page.wait_for_selector("body.status-called #called:not([hidden])", timeout=WAIT)
        assert page.inner_text("#counter") == "2"
        assert page.inner_text("#status") == "Dipanggil"
        assert page.evaluate("window.stillTheSamePage") is True, "live, without a reload"
        page.wait_for_function("document.body.dataset.chimes === '1'", timeout=WAIT)
        assert page.evaluate("window.vibrations") == [80, [400, 200, 400, 200, 800]], (
            "a short buzz when allowed, a long one when called"
        )
        shown = page.evaluate(
            """async () => {
                 const registration = await navigator.serviceWorker.getRegistration(
                   "/static/citizen/");
                 return (await registration.getNotifications()).map((n) => [n.title, n.body]);
               }"""
        )
        assert ["A004 dipanggil", "Silakan menuju loket 2."] in shown
        counter_size = page.eval_on_selector(
            "#counter", "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert counter_size >= 80, "the counter in large type"
        picture = _shoot(page, "citizen-called.png", tmp_path)
        top = picture.crop((30, 20, PHONE[0] - 30, 120))
        assert top.getcolors(maxcolors=1 << 16) is not None
        assert max(top.getcolors(maxcolors=1 << 16))[1] == CALL_YELLOW, "the call fills the top"

        # Served: the survey comes by itself.
        officer.step(mine["ticket"]["id"], "finish")
        page.wait_for_selector("#survey", timeout=WAIT)
        assert page.evaluate("window.stillTheSamePage") is True
        with page.context.expect_page() as opened:
            page.evaluate(f"window.open({link!r})")
        second_tab = opened.value
        second_tab.wait_for_selector("#survey", timeout=WAIT)

        for code, score in zip(ELEMENT_CODES, "443443434", strict=True):
            page.click(f"#q-{code} input[value='{score}'] + span")
        page.select_option("#p-sex", "female")
        page.select_option("#p-age_band", "40_49")
        page.fill("#suggestion", "Ruang tunggu sejuk, terima kasih.")
        _shoot(page, "citizen-survey.png", tmp_path, at="#survey")
        page.click("#survey button.primary")
        page.wait_for_selector("#thanks", timeout=WAIT)
        assert "Terima kasih!" in page.inner_text("#thanks")
        _shoot(page, "citizen-thanks.png", tmp_path)

        for code in ELEMENT_CODES:
            second_tab.click(f"#q-{code} input[value='1'] + span")
        second_tab.click("#survey button.primary")
        second_tab.wait_for_selector("#survey-refused", timeout=WAIT)
        assert "hanya dapat mengisi satu kali" in second_tab.inner_text("#survey-refused")

    assert problems == []
    assert {"citizen.css", "citizen.js", "notify-sw.js"} <= {
        u.split("?")[0].rsplit("/", 1)[-1] for u in asked_for
    }
    elsewhere = [u for u in asked_for if not u.startswith(url + "/")]
    assert elsewhere == [], "every file of the page comes from the office's server"
    with db.reading() as work:
        site = find_site(work, "demo")
        today = datetime.now(UTC).date()
        [kept] = answers_store.between(
            work, site.id, today - timedelta(days=1), today + timedelta(days=1)
        )
    assert kept.scores == (4, 4, 3, 4, 4, 3, 4, 3, 4), "the first answers, not the tab's"
    assert [r.body["ticket"]["code"] for r in receiver.received] == ["A004"]
    assert receiver.received[0].body["to"] == "+6281234567890"
