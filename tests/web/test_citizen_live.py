"""The ticket page's live channel: read-only, one ticket per token, cheap per page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from server.web.citizen.live import PAGES_PER_TICKET, TicketWatch
from tests.conftest import Clock
from tests.server.conftest import Api


@pytest.fixture
def small_api(demo_sqlite: Database, clock: Clock) -> Iterator[Api]:
    settings = ServerSettings(database_url=demo_sqlite.url, citizen_live_max=12)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, demo_sqlite)


def _open(pages: ExitStack, api: Api, ticket: dict[str, Any], lang: str = "id") -> Any:
    """A page's socket, its token sent; closed when `pages` closes."""
    page = pages.enter_context(api.client.websocket_connect(f"/t/{ticket['ticket']['id']}/live"))
    page.send_text(json.dumps({"token": ticket["token"], "lang": lang}))
    return page


def _settle(watch: TicketWatch) -> int:
    """Wait until no read of the pages is pending; the reads so far."""
    time.sleep(0.4)
    return watch.reads


def test_a_page_follows_its_ticket_from_waiting_to_called(
    api: Api, officer: dict[str, str]
) -> None:
    first = api.issue(officer, "A")
    mine = api.issue(officer, "A")
    with ExitStack() as pages:
        _follow(api, officer, first, mine, _open(pages, api, mine))


def _follow(
    api: Api, officer: dict[str, str], first: dict[str, Any], mine: dict[str, Any], page: Any
) -> None:
    status = page.receive_json()
    assert status["type"] == "status"
    assert (status["status"], status["code"], status["ahead"]) == ("waiting", "A002", 1)
    assert status["ahead_words"] == "1 orang" and status["status_words"] == "Menunggu dipanggil"
    assert status["counter"] is None

    api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    moved = page.receive_json()
    assert (moved["status"], moved["ahead"]) == ("waiting", 0)
    assert moved["ahead_words"] == "Tidak ada — Anda berikutnya"

    api.client.post("/api/v1/sites/demo/counters/2/call-next", headers=officer)
    called = page.receive_json()
    assert (called["status"], called["counter"], called["calls"]) == ("called", 2, 1)
    assert called["alert_title"] == "A002 dipanggil"
    assert called["alert_body"] == "Silakan menuju loket 2."
    assert called["hint"] == "Silakan menuju loket 2 sekarang."

    api.client.post(f"/api/v1/tickets/{mine['ticket']['id']}/recall", headers=officer)
    again = page.receive_json()
    assert (again["status"], again["calls"]) == ("called", 2), "a recall sounds again"
    api.client.post(f"/api/v1/tickets/{first['ticket']['id']}/finish", headers=officer)
    api.client.post(f"/api/v1/tickets/{mine['ticket']['id']}/finish", headers=officer)
    done = page.receive_json()
    assert done["status"] == "done" and done["counter"] is None


def test_the_page_speaks_its_language(api: Api, officer: dict[str, str]) -> None:
    mine = api.issue(officer, "B")
    with ExitStack() as pages:
        status = _open(pages, api, mine, lang="en").receive_json()
    assert status["status_words"] == "Waiting to be called"
    assert status["ahead_words"] == "Nobody — you are next"


@pytest.mark.parametrize(
    "first_frame",
    [
        "not json",
        "[1, 2]",
        json.dumps({"lang": "id"}),
        json.dumps({"token": 12345678}),
        json.dumps({"token": "short"}),
        json.dumps({"token": "x" * 600}),
    ],
)
def test_a_first_frame_that_is_not_a_token_is_refused(
    api: Api, officer: dict[str, str], first_frame: str
) -> None:
    mine = api.issue(officer, "A")
    with api.client.websocket_connect(f"/t/{mine['ticket']['id']}/live") as page:
        page.send_text(first_frame)
        with pytest.raises(WebSocketDisconnect) as closed:
            page.receive_json()
    assert closed.value.code == 4400


def test_a_binary_first_frame_is_refused(api: Api, officer: dict[str, str]) -> None:
    mine = api.issue(officer, "A")
    with api.client.websocket_connect(f"/t/{mine['ticket']['id']}/live") as page:
        page.send_bytes(json.dumps({"token": mine["token"]}).encode())
        with pytest.raises(WebSocketDisconnect) as closed:
            page.receive_json()
    assert closed.value.code == 4400


@pytest.mark.parametrize("wrong", ["token", "ticket"])
def test_a_wrong_token_or_ticket_learns_nothing(
    api: Api, officer: dict[str, str], wrong: str
) -> None:
    mine = api.issue(officer, "A")
    other = api.issue(officer, "A")
    ticket_id = other["ticket"]["id"] if wrong == "ticket" else mine["ticket"]["id"]
    token = mine["token"][:-2] + "zz" if wrong == "token" else mine["token"]
    with api.client.websocket_connect(f"/t/{ticket_id}/live") as page:
        page.send_text(json.dumps({"token": token}))
        with pytest.raises(WebSocketDisconnect) as closed:
            page.receive_json()
    assert closed.value.code == 4404


def test_the_channel_is_read_only(api: Api, officer: dict[str, str]) -> None:
    mine = api.issue(officer, "A")
    with ExitStack() as pages:
        page = _open(pages, api, mine)
        assert page.receive_json()["status"] == "waiting"
        page.send_text(json.dumps({"type": "command", "command": {"type": "call_next"}}))
        with pytest.raises(WebSocketDisconnect) as closed:
            page.receive_json()
    assert closed.value.code == 4400
    with api.db.reading() as work:
        ticket = work.ticket(mine["ticket"]["id"])
        assert ticket is not None and ticket.status == "waiting"


def test_pages_beyond_the_limits_are_told_to_come_back_later(
    small_api: Api, clock: Clock
) -> None:
    officer = small_api.login("petugas")
    shared = small_api.issue(officer, "A")
    watch: TicketWatch = small_api.client.app.state.ticket_watch  # type: ignore[attr-defined]
    with ExitStack() as stack:
        _fill_up(small_api, officer, shared, stack, watch)
    deadline = time.monotonic() + 5
    while watch.pages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert watch.pages == 0 and watch.offices == {}, "closed pages leave nothing behind"


def _fill_up(
    small_api: Api, officer: dict[str, str], shared: dict[str, Any], stack: ExitStack,
    watch: TicketWatch,
) -> None:
    pages = [_open(stack, small_api, shared) for _ in range(PAGES_PER_TICKET)]
    for page in pages:
        assert page.receive_json()["code"] == "A001"
    with small_api.client.websocket_connect(f"/t/{shared['ticket']['id']}/live") as extra:
        extra.send_text(json.dumps({"token": shared["token"]}))
        with pytest.raises(WebSocketDisconnect) as closed:
            extra.receive_json()
    assert closed.value.code == 1013, "one ticket holds at most a few pages"

    others = [small_api.issue(officer, "B") for _ in range(12 - PAGES_PER_TICKET)]
    pages += [_open(stack, small_api, ticket) for ticket in others]
    for page in pages[PAGES_PER_TICKET:]:
        assert page.receive_json()["status"] == "waiting"
    late = small_api.issue(officer, "C")
    late_page = small_api.client.websocket_connect(f"/t/{late['ticket']['id']}/live")
    with late_page as extra, pytest.raises(WebSocketDisconnect) as closed:
        extra.receive_json()
    assert closed.value.code == 1013, "the process holds citizen_live_max pages at most"
    assert watch.pages == 12


def test_one_read_per_change_however_many_pages_watch(api: Api, officer: dict[str, str]) -> None:
    watch: TicketWatch = api.client.app.state.ticket_watch  # type: ignore[attr-defined]
    tickets = [api.issue(officer, "A") for _ in range(12)]

    def one_change(pages: list[Any], counter: int) -> int:
        before = _settle(watch)
        api.client.post(f"/api/v1/sites/demo/counters/{counter}/call-next", headers=officer)
        for page in pages:
            assert page.receive_json()["type"] == "status"
        return _settle(watch) - before

    with ExitStack() as stack:
        alone = [_open(stack, api, tickets[-1])]
        alone[0].receive_json()
        reads_for_one = one_change(alone, 1)

        crowd = alone + [_open(stack, api, t) for t in tickets[2:-1] for _ in range(3)]
        for page in crowd[1:]:
            page.receive_json()
        pushes = watch.pushes
        reads_for_many = one_change(crowd, 2)
    assert len(crowd) == 28
    assert reads_for_one == reads_for_many == 1
    assert watch.pushes - pushes == 28, "every page whose ticket moved heard of it, once"
