"""The officer's console in real headless Chromium, against a real server.

Signed in as an officer, the test works counter 1 with the mouse and with
the keyboard alone, while a kiosk issues tickets over the API: the page must
follow over the websocket without reloading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from antrean.vocabulary import CounterState, TicketStatus
from server.demo_office import DEMO_PASSWORD
from tests.browser import browser_page, picture_path
from tests.web.conftest import Office

WAIT = 15_000  # ms


def sign_in(page: Any, office: Office) -> None:
    page.goto(f"{office.url}/console")
    assert "/sign-in" in page.url
    page.fill("#username", "petugas")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{office.url}/console")


def toast(page: Any, text: str) -> None:
    page.wait_for_function(
        "text => document.getElementById('toast').textContent.includes(text)", arg=text,
        timeout=WAIT,
    )


def current_code(page: Any, code: str) -> None:
    page.wait_for_selector(f"#current .code:text-is('{code}')", timeout=WAIT)


def test_an_officer_works_a_counter_in_the_browser(office: Office, tmp_path: Path) -> None:
    for service, priority in [("A", "none"), ("C", "none"), ("A", "elderly")]:
        office.issue(service, priority)
    problems: list[str] = []
    with browser_page() as page:
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(page, office)
        page.click("a.choice[href='/console/demo/1']")
        page.wait_for_selector("#live.online", timeout=WAIT)
        rows = page.locator("#queue li")
        assert rows.count() == 3
        assert page.inner_text("#queue li.next-up .q-code") == "A002", "priority is called first"
        assert "lansia" in page.inner_text("#queue li.next-up")

        page.keyboard.press("n")  # NEXT from the keyboard
        current_code(page, "A002")
        toast(page, "A002 dipanggil ke loket 1.")

        office.issue("A")  # a kiosk issues a ticket: the list follows, no reload
        page.wait_for_selector("#queue li[data-code='A003']", timeout=WAIT)

        page.click("button[value='recall']")
        page.wait_for_selector("#current .calls:text-is('Panggilan ke-2')", timeout=WAIT)
        picture = picture_path("console.png", tmp_path)
        page.screenshot(path=str(picture))

        page.keyboard.press("f")
        page.wait_for_selector("#current .nobody", timeout=WAIT)
        toast(page, "A002 selesai dilayani.")

        page.keyboard.press("k")  # call a specific ticket, typed by the officer
        page.keyboard.type("c1")
        page.keyboard.press("Enter")
        current_code(page, "C001")

        page.keyboard.press("t")  # transfer, with a note for the next counter
        page.select_option("#transfer-service", "B")
        page.fill("#transfer-note", "KK sudah diperiksa")
        page.click("#f-transfer button")
        page.wait_for_selector("#current .nobody", timeout=WAIT)
        toast(page, "C001 dialihkan ke layanan B.")

        page.click("button[value='next']")
        current_code(page, "A001")
        page.keyboard.press("x")  # no-show...
        page.wait_for_selector("#noshows li[data-code='A001']", timeout=WAIT)
        page.click("#noshows button[value='requeue']")  # ...who then came back
        page.wait_for_selector("#queue li[data-code='A001']", timeout=WAIT)

        page.keyboard.press("n")
        current_code(page, "A001")
        page.fill("#cancel-reason", "Berkas tidak lengkap")
        page.click("#f-cancel button")
        page.wait_for_selector("#current .nobody", timeout=WAIT)

        page.select_option("#pause-reason", "reason_prayer")
        page.keyboard.press("p")
        page.wait_for_selector("#state .chip:text-is('Dijeda: Salat')", timeout=WAIT)
        assert page.is_disabled("button[value='next']")
        page.keyboard.press("o")
        page.wait_for_selector("#state .chip:text-is('Buka')", timeout=WAIT)

        page.click("button.lang[value='en']")
        page.wait_for_selector("h2:text-is('Waiting list')", timeout=WAIT)
        page.wait_for_selector("#live.online", timeout=WAIT)
        assert "Keyboard shortcuts" in page.inner_text(".shortcuts")

        page.click("#sign-out")
        page.wait_for_url("**/sign-in?why=signed_out", timeout=WAIT)
        page.goto(f"{office.url}/console/demo/1")
        assert "/sign-in" in page.url

    assert problems == []
    assert office.ticket("A002").status is TicketStatus.DONE
    moved = office.ticket("C001")
    assert moved.status is TicketStatus.WAITING
    assert moved.history[-1]["note"] == "KK sudah diperiksa"
    cancelled = office.ticket("A001")
    assert cancelled.status is TicketStatus.CANCELLED
    assert cancelled.cancel_reason == "Berkas tidak lengkap"
    [paused, _] = office.events("counter_changed")
    assert paused.details == {"state": CounterState.PAUSED.value, "reason": "Salat"}
    assert paused.counter == 1
    shot = Image.open(picture).convert("RGB")
    assert shot.size == (1366, 860)
    colours = shot.getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 50, "the page drew text, not a blank"
