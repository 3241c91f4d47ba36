"""Asking for a text on the ticket page: offered where the office can send one, checked, undone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import ServerSettings
from server.engine.commands import find_site
from server.store import notices
from server.store.database import Database
from server.store.notices import NoticeState
from tests.conftest import Clock
from tests.live import free_port
from tests.server.conftest import Api


def _with_distance(db: Database, distance: int | None) -> None:
    with db.writing() as work:
        for service in work.services(find_site(work, "demo").id):
            service.notify_ahead = distance if service.code == "A" else None
            work.save(service)


@pytest.fixture
def texting(demo_sqlite: Database, clock: Clock) -> Iterator[Api]:
    _with_distance(demo_sqlite, 2)
    # Nothing listens there: these tests never let a ticket come near.
    webhook = f"http://127.0.0.1:{free_port()}/sms"
    settings = ServerSettings(database_url=demo_sqlite.url, notify_webhook_url=webhook)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, demo_sqlite)


def _far_back(api: Api) -> dict[str, Any]:
    officer = api.login("petugas")
    for _ in range(5):
        api.issue(officer, "A")
    return api.issue(officer, "A")


def _ask(api: Api, ticket: dict[str, Any], **fields: str) -> Any:
    return api.client.post(
        f"/t/{ticket['ticket']['id']}/texts", data={"token": ticket["token"], **fields},
        follow_redirects=False,
    )


def test_the_page_offers_a_text_and_keeps_the_number(texting: Api) -> None:
    mine = _far_back(texting)
    page = texting.client.get(mine["status_path"]).text
    assert "Kabari saya lewat SMS/WhatsApp" in page
    assert "saat tinggal 2 orang di depan Anda" in page
    answer = _ask(texting, mine, phone="0857 1234 5678", action="ask")
    assert answer.status_code == 303 and answer.headers["location"].endswith("#texts")
    page = texting.client.get(mine["status_path"]).text
    assert "Pesan akan dikirim ke 0857•••••678" in page
    assert "+6285712345678" not in page and "0857 1234 5678" not in page
    with texting.db.reading() as work:
        notice = notices.of_ticket(work, mine["ticket"]["id"])
    assert notice is not None and notice.state == NoticeState.WAITING
    assert notice.phone == "+6285712345678"


@pytest.mark.parametrize("phone", ["", "12345", "021 555 1234", "<script>"])
def test_a_number_that_is_not_a_mobile_is_explained(texting: Api, phone: str) -> None:
    mine = _far_back(texting)
    answer = _ask(texting, mine, phone=phone, action="ask")
    assert answer.status_code == 422
    assert "Nomor HP tidak dikenali" in answer.text and "<script>" not in answer.text
    with texting.db.reading() as work:
        assert notices.of_ticket(work, mine["ticket"]["id"]) is None


def test_no_text_once_the_ticket_left_the_line(texting: Api) -> None:
    officer = texting.login("petugas")
    mine = texting.issue(officer, "A")
    texting.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    page = texting.client.get(mine["status_path"]).text
    assert "Kabari saya" not in page
    answer = _ask(texting, mine, phone="081234567890", action="ask")
    assert answer.status_code == 409 and "selama nomor Anda menunggu" in answer.text


def test_no_offer_where_the_office_has_no_gateway_or_the_service_no_distance(
    api: Api, texting: Api
) -> None:
    officer = api.login("petugas")
    plain = api.issue(officer, "A")
    assert "Kabari saya" not in api.client.get(plain["status_path"]).text
    answer = _ask(api, plain, phone="081234567890", action="ask")
    assert answer.status_code == 409 and "belum memakai pesan SMS/WhatsApp" in answer.text

    other_service = texting.issue(texting.login("petugas"), "B")
    assert "Kabari saya" not in texting.client.get(other_service["status_path"]).text


def test_the_number_can_be_taken_back(texting: Api) -> None:
    mine = _far_back(texting)
    _ask(texting, mine, phone="081234567890", action="ask")
    answer = _ask(texting, mine, action="withdraw")
    assert answer.status_code == 303
    page = texting.client.get(mine["status_path"]).text
    assert "Nomor Anda sudah dihapus" in page
    assert "Kirim pesan ke nomor ini" not in page, "no form the server would refuse"
    with texting.db.reading() as work:
        notice = notices.of_ticket(work, mine["ticket"]["id"])
    assert notice is not None and notice.state == NoticeState.DROPPED and notice.phone is None
    again = _ask(texting, mine, phone="081234567890", action="ask")
    assert again.status_code == 409, "one text per ticket, even after taking it back"
