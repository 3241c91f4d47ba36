"""A wrong or malformed status link gets a small Indonesian page, never JSON."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.browser import dom, picture_path, screenshot
from tests.conftest import Clock
from tests.live import serving
from tests.server.conftest import Api

PHONE = (412, 915)


@pytest.fixture
def ticket(api: Api) -> dict[str, str | int]:
    issued = api.issue(api.login("petugas"), "A")
    return {"id": issued["ticket"]["id"], "token": issued["token"]}


def wrong_links(ticket: dict[str, str | int]) -> list[str]:
    number, token = ticket["id"], str(ticket["token"])
    return [
        f"/t/{number}?token={token[:-1]}X",  # a wrong token
        f"/t/{number}?token={token[:5]}",  # cut short by the scanner
        f"/t/{number}",  # no token at all
        f"/t/{number}?token=",
        f"/t/{number}?token={'x' * 500}",
        f"/t/999999?token={token}",  # no such ticket
        f"/t/0?token={token}",
        f"/t/-3?token={token}",
        f"/t/{'9' * 40}?token={token}",  # a number too big for any ticket
        f"/t/A001?token={token}",  # the ticket's code typed instead of the link
        f"/t/%D9%A3?token={token}",  # a digit, but not 0-9
        f"/t/{number}/extra?token={token}",
        "/t/",
        "/t",
    ]


def test_every_wrong_link_gets_an_indonesian_page(
    api: Api, ticket: dict[str, str | int]
) -> None:
    client: TestClient = api.client
    for link in wrong_links(ticket):
        answer = client.get(link)
        assert answer.status_code == 404, link
        assert answer.headers["content-type"].startswith("text/html"), link
        page = answer.text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert '<html lang="id">' in page
        assert "Pindai ulang kode QR" in page and "petugas" in page, link
        assert '"error"' not in page and "{" not in page.split("</style>")[1], link
    # The right link still works.
    right = client.get(f"/t/{ticket['id']}?token={ticket['token']}")
    assert right.status_code == 200 and "A001" in right.text


def test_the_wrong_link_page_on_a_phone(
    demo_sqlite: Database, clock: Clock, tmp_path: Path
) -> None:
    app = create_app(ServerSettings(database_url=demo_sqlite.url), clock=clock)
    with serving(app) as base:
        url = f"{base}/t/12?token=not-the-right-one"
        assert httpx.get(url).status_code == 404
        page = dom(url)
        assert "Tautan status antrean tidak dikenali" in page
        shot = screenshot(url, picture_path("status-link-unknown.png", tmp_path), *PHONE)
        picture = Image.open(shot).convert("RGB")
        assert picture.size == PHONE
        colours = picture.getcolors(maxcolors=1 << 16)
        assert colours is not None and len(colours) > 20, "the page drew text, not a blank"
        # The heading is dark ink at the top of the white card, at a phone's size.
        band = picture.crop((40, 30, PHONE[0] - 40, 130))
        darkest = max(low for low, _ in band.getextrema())  # type: ignore[misc]
        assert darkest < 70
