"""A citizen's page where websockets do not get through, on a small phone, in real Chromium.

Two ways a phone's websocket fails in the field: a proxy in front of the
server that refuses the upgrade (an nginx set up without `Upgrade` headers),
and one that accepts it and then passes nothing on. Either way the page
must say so and follow the ticket by asking over plain HTTP, without a
reload, until the call. The page's intervals are shortened for the test;
the code that runs is the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.web.citizen import routes
from tests.browser import browser_page
from tests.conftest import make_demo_database
from tests.live import serving

SMALL_PHONE = (360, 640)
"""The CSS size of many low-priced Android phones."""
WAIT = 20_000  # ms


class RefusingUpgrades:
    """What a proxy without websocket support does: every handshake is refused (HTTP 403)."""

    def __init__(self, app: ASGIApp, refused: list[str]) -> None:
        self.app = app
        self.refused = refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.refused.append(scope["path"])
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)


@pytest.fixture
def quick_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "REFRESH_SECONDS", 2)
    monkeypatch.setattr(routes, "FIRST_STATUS_SECONDS", 1)


def _serve(tmp_path: Path, refused: list[str] | None) -> Any:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.writing() as work:
        add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))
    app = create_app(ServerSettings(database_url=db.url, data_dir=tmp_path))
    if refused is not None:
        app.add_middleware(RefusingUpgrades, refused=refused)
    return serving(app)


@pytest.mark.parametrize("proxy", ["refuses the upgrade", "holds the socket silent"])
def test_the_page_follows_its_ticket_without_a_websocket(
    tmp_path: Path, quick_page: None, proxy: str
) -> None:
    refused: list[str] = []
    with _serve(tmp_path, refused if proxy == "refuses the upgrade" else None) as url:
        _follow_without_socket(url, proxy, refused)


def _follow_without_socket(url: str, proxy: str, refused: list[str]) -> None:
    signed_in = httpx.post(
        f"{url}/api/v1/auth/token", json={"username": "petugas", "password": DEMO_PASSWORD}
    )
    officer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    def post(path: str, **body: str) -> dict[str, Any]:
        answer = httpx.post(f"{url}/api/v1{path}", json=body, headers=officer)
        answer.raise_for_status()
        return dict(answer.json())

    post("/sites/demo/tickets", service="A")
    mine = post("/sites/demo/tickets", service="A")
    held: list[Any] = []
    with browser_page(*SMALL_PHONE) as page:
        if proxy == "holds the socket silent":
            # Accepted, never connected on to the server, never a word back.
            page.route_web_socket(re.compile(r"/live$"), lambda socket: held.append(socket))
        page.goto(url + mine["status_path"])
        page.wait_for_selector("#ticket[data-live='polling']", timeout=WAIT)
        assert page.inner_text("#live-mark") == "Diperbarui tiap 2 detik"
        assert page.inner_text("#ahead") == "1 orang"
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE[0], (
            "nothing wider than a small phone"
        )
        page.evaluate("window.stillTheSamePage = true")

        post("/sites/demo/counters/1/call-next")
        page.wait_for_function(
            "document.getElementById('ahead').textContent.startsWith('Tidak ada')", timeout=WAIT
        )
        post("/sites/demo/counters/2/call-next")
        page.wait_for_selector("body.status-called #called:not([hidden])", timeout=WAIT)
        assert page.inner_text("#counter") == "2"
        assert page.evaluate("window.stillTheSamePage") is True, "followed without a reload"
        assert page.get_attribute("#ticket", "data-live") == "polling"
    tries = refused if proxy == "refuses the upgrade" else held
    assert len(tries) >= 2, "the page kept trying the socket meanwhile"
