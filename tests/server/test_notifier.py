"""Texts near one's turn, posted to a real local HTTP receiver standing in for the gateway.

Each test runs the real server (uvicorn on a loopback port) on a SQLite file,
with the real clock: retries wait for real, shortened by the settings.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.notifier import worker
from server.operations import utc_now
from server.store import notices
from server.store.database import Database
from server.store.notices import Notice, NoticeState
from tests.conftest import Clock, make_demo_database
from tests.live import free_port, serving
from tests.server.webhook_receiver import Receiver

SECRET = "rahasia-gateway-kantor"
WAIT = 15.0


@dataclass
class Office:
    db: Database
    tmp: Path
    url: str = ""
    officer: dict[str, str] | None = None

    def settings(self, webhook: str | None, **extra: Any) -> ServerSettings:
        values: dict[str, Any] = {
            "database_url": self.db.url, "data_dir": self.tmp, "notify_webhook_url": webhook,
            "notify_webhook_secret": SECRET, "notify_retry_seconds": 0.2,
            "notify_retry_max_seconds": 0.5,
            "notify_webhook_headers": {"Authorization": "Bearer kunci-gateway"},
        }
        return ServerSettings(**{**values, **extra})

    @contextmanager
    def running(
        self, webhook: str | None, clock: Callable[[], datetime] = utc_now, **extra: Any
    ) -> Iterator[Office]:
        with serving(create_app(self.settings(webhook, **extra), clock=clock)) as url:
            self.url = url
            answer = httpx.post(
                f"{url}/api/v1/auth/token", json={"username": "petugas", "password": DEMO_PASSWORD}
            )
            self.officer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            yield self

    def issue(self, service: str = "A") -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/api/v1/sites/demo/tickets", json={"service": service},
            headers=self.officer,
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def call_next(self, counter: int) -> httpx.Response:
        answer = httpx.post(
            f"{self.url}/api/v1/sites/demo/counters/{counter}/call-next", headers=self.officer
        )
        assert answer.status_code in (200, 204), answer.text
        return answer

    def ask_text(self, ticket: dict[str, Any], phone: str = "0812-3456-7890") -> httpx.Response:
        return httpx.post(
            f"{self.url}/t/{ticket['ticket']['id']}/texts",
            data={"token": ticket["token"], "phone": phone, "action": "ask"},
            follow_redirects=True,
        )

    def notice(self, ticket: dict[str, Any]) -> Notice:
        with self.db.reading() as work:
            found = notices.of_ticket(work, ticket["ticket"]["id"])
        assert found is not None
        return found

    def wait_for(self, ticket: dict[str, Any], done: Callable[[Notice], bool]) -> Notice:
        deadline = time.monotonic() + WAIT
        while True:
            notice = self.notice(ticket)
            if done(notice) or time.monotonic() > deadline:
                return notice
            time.sleep(0.05)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    db = make_demo_database(f"sqlite:///{tmp_path / 'antrean.db'}")
    with db.writing() as work:
        for service in work.services(find_site(work, "demo").id):
            if service.code == "A":
                service.notify_ahead = 2
                work.save(service)
    yield Office(db, tmp_path)
    db.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(free_port())
    yield found
    found.stop()


def _a_queue_with_mine_fourth(office: Office) -> dict[str, Any]:
    for _ in range(3):
        office.issue("A")
    mine = office.issue("A")
    assert mine["people_ahead"] == 3
    answer = office.ask_text(mine)
    assert answer.status_code == 200 and "0812•••••890" in answer.text
    return mine


def test_one_text_when_the_turn_comes_near(office: Office, receiver: Receiver) -> None:
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
        time.sleep(0.5)
        assert receiver.received == [], "three ahead: not near yet"
        assert office.notice(mine).state == NoticeState.WAITING

        office.call_next(1)  # two ahead now: within the service's two places
        sent = office.wait_for(mine, lambda n: n.state == NoticeState.SENT)
        assert sent.state == NoticeState.SENT and sent.phone is None, "the number is gone"
        assert sent.attempts == 1 and sent.people_ahead == 2

        office.call_next(2)
        office.call_next(1)
        time.sleep(0.8)
        page = httpx.get(office.url + mine["status_path"]).text
        assert "Pesan pengingat sudah dikirim" in page

    [text] = receiver.received
    body = text.body
    assert text.path == "/kirim"
    assert text.headers["Content-Type"] == "application/json; charset=utf-8"
    assert text.headers["Authorization"] == "Bearer kunci-gateway"
    expected = "sha256=" + hmac.new(SECRET.encode(), text.raw, hashlib.sha256).hexdigest()
    assert text.headers["X-Antrean-Signature"] == expected
    delivery = f"antrean-demo-{mine['ticket']['id']}"
    assert text.headers["Idempotency-Key"] == body["delivery_id"] == delivery
    assert body["event"] == "ticket_near_front" and body["attempt"] == 1
    assert body["to"] == "+6281234567890"
    assert body["message"] == (
        "Nomor antrean A004 (KTP & Kartu Keluarga) di Kantor Kecamatan Demo: giliran Anda "
        "sebentar lagi, tinggal 2 orang lagi di depan Anda. Mohon kembali ke ruang tunggu."
    )
    assert body["site"] == {"code": "demo", "name": "Kantor Kecamatan Demo"}
    assert body["ticket"] == {
        "id": mine["ticket"]["id"], "code": "A004", "service": "A",
        "service_name": "KTP & Kartu Keluarga", "people_ahead": 2, "status_url": None,
    }
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


def test_a_gateway_that_is_down_gets_the_text_when_it_comes_back(
    office: Office, receiver: Receiver
) -> None:
    with office.running(receiver.url):  # nobody listens on the receiver's port yet
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        failing = office.wait_for(mine, lambda n: n.attempts >= 3)
        assert failing.state in (NoticeState.DUE, NoticeState.SENDING)
        assert failing.phone == "+6281234567890" and "ConnectError" in (failing.last_error or "")
        # Calls go on while the gateway is away.
        office.call_next(2)

        receiver.start()
        sent = office.wait_for(mine, lambda n: n.state == NoticeState.SENT)
        assert sent.state == NoticeState.SENT
        time.sleep(0.8)
    [text] = receiver.received
    assert text.body["attempt"] == sent.attempts >= 4
    assert text.body["ticket"]["people_ahead"] == 2, "the place it was due at"


def test_a_busy_gateway_is_tried_again_and_a_refusal_is_final(
    office: Office, receiver: Receiver
) -> None:
    receiver.answers = [503, 429, 200, 400]
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        assert office.wait_for(mine, lambda n: n.state == NoticeState.SENT).attempts == 3
        refused = office.issue("A")
        assert office.ask_text(refused).status_code == 200
        office.call_next(2)
        gave_up = office.wait_for(refused, lambda n: not n.state.is_open)
        assert gave_up.state == NoticeState.FAILED and gave_up.attempts == 1
        assert gave_up.phone is None and "HTTP 400" in (gave_up.last_error or "")
        time.sleep(0.8)
        page = httpx.get(office.url + refused["status_path"]).text
        assert "Pesan tidak dapat dikirim" in page
    tries = [r.body["delivery_id"] for r in receiver.received]
    assert tries == [tries[0]] * 3 + [f"antrean-demo-{refused['ticket']['id']}"]
    assert [r.body["attempt"] for r in receiver.received] == [1, 2, 3, 1]


def test_tries_end_after_the_last_attempt(office: Office, receiver: Receiver) -> None:
    receiver.answers = [500] * 10
    receiver.start()
    with office.running(receiver.url, notify_max_attempts=3):
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        gave_up = office.wait_for(mine, lambda n: not n.state.is_open)
        time.sleep(0.8)
    assert gave_up.state == NoticeState.FAILED and gave_up.attempts == 3
    assert len(receiver.received) == 3


def test_a_slow_gateway_never_holds_up_the_queue(office: Office, receiver: Receiver) -> None:
    receiver.held.clear()
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        assert receiver.arrived.wait(WAIT), "the text is on its way"
        # The gateway holds the POST open; the office works on meanwhile.
        for counter in (2, 1, 2):
            assert office.call_next(counter).status_code == 200
        assert office.issue("B")["ticket"]["code"] == "B001"
        assert office.notice(mine).state == NoticeState.SENDING
        receiver.held.set()
        sent = office.wait_for(mine, lambda n: n.state == NoticeState.SENT)
        assert sent.state == NoticeState.SENT
    assert len(receiver.received) == 1


def test_a_restart_neither_forgets_nor_repeats_a_text(office: Office, receiver: Receiver) -> None:
    receiver.start()
    with office.running("http://127.0.0.1:9/nobody-here"):
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        office.wait_for(mine, lambda n: n.attempts >= 1 and n.state == NoticeState.DUE)
    owed = office.notice(mine)
    assert owed.state == NoticeState.DUE, "a text owed outlives the server"

    # Started again, now with the right address: the text owed goes out, once.
    with office.running(receiver.url):
        sent = office.wait_for(mine, lambda n: n.state == NoticeState.SENT)
        assert sent.state == NoticeState.SENT
    with office.running(receiver.url):
        time.sleep(1.0)
        office.call_next(2)
        time.sleep(0.8)
    assert len(receiver.received) == 1


def test_a_text_left_half_sent_by_a_stopped_server_goes_out_once(
    office: Office, receiver: Receiver
) -> None:
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
    # As a server that died mid-POST leaves it: claimed, never settled.
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    with office.db.writing() as work:
        notice = notices.of_ticket(work, mine["ticket"]["id"])
        assert notice is not None
        notices.make_due(work, notice, 2, long_ago)
        [claimed] = notices.claim_due(work, long_ago, 10)
    assert claimed.state == NoticeState.SENDING and claimed.attempts == 1
    with office.running(receiver.url):
        sent = office.wait_for(mine, lambda n: n.state == NoticeState.SENT)
        time.sleep(0.8)
    assert sent.attempts == 2
    [text] = receiver.received
    assert text.body["delivery_id"] == f"antrean-demo-{mine['ticket']['id']}"


def test_no_text_for_a_ticket_that_left_the_line_first(office: Office, receiver: Receiver) -> None:
    with office.running(receiver.url):  # the gateway is away
        first = office.issue("A")
        assert office.ask_text(first).status_code == 200
        office.wait_for(first, lambda n: n.attempts >= 1)
        office.call_next(1)  # called before any text could go
        dropped = office.wait_for(first, lambda n: not n.state.is_open)
        assert dropped.state == NoticeState.DROPPED and dropped.phone is None
        receiver.start()
        time.sleep(1.0)
    assert receiver.received == []


def test_a_citizen_may_take_the_number_back(office: Office, receiver: Receiver) -> None:
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
        answer = httpx.post(
            f"{office.url}/t/{mine['ticket']['id']}/texts",
            data={"token": mine["token"], "action": "withdraw"},
            follow_redirects=True,
        )
        assert answer.status_code == 200 and "Nomor Anda sudah dihapus" in answer.text
        withdrawn = office.notice(mine)
        assert withdrawn.state == NoticeState.DROPPED and withdrawn.phone is None
        office.call_next(1)
        time.sleep(0.8)
    assert receiver.received == []


def test_a_server_stopped_mid_post_sends_again_under_the_same_delivery_id(
    office: Office, receiver: Receiver
) -> None:
    receiver.held.clear()
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        assert receiver.arrived.wait(WAIT)
    # Stopped while the gateway held the POST: owed again at once, not after a timeout.
    owed = office.notice(mine)
    assert owed.state == NoticeState.DUE and owed.phone == "+6281234567890"
    receiver.held.set()
    with office.running(receiver.url):
        assert office.wait_for(mine, lambda n: n.state == NoticeState.SENT).attempts == 2
    first, second = receiver.received
    assert first.body["delivery_id"] == second.body["delivery_id"]
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert (first.body["attempt"], second.body["attempt"]) == (1, 2)


def test_the_wait_between_tries_doubles_up_to_the_longest(office: Office) -> None:
    settings = office.settings(
        "http://127.0.0.1:9/kirim", notify_retry_seconds=10, notify_retry_max_seconds=300
    )
    notifier: worker.Notifier = create_app(settings).state.notifier
    waits = [notifier.backoff(attempts).total_seconds() for attempts in range(1, 9)]
    for wait, plain in zip(waits, [10, 20, 40, 80, 160, 300, 300, 300], strict=True):
        assert plain * 0.9 <= wait <= plain * 1.1, waits
    assert len({round(notifier.backoff(3).total_seconds(), 3) for _ in range(20)}) > 1, (
        "a little jitter, so a room's texts do not all try again in the same second"
    )


def test_the_numbers_of_a_day_gone_are_erased_at_its_end(
    office: Office, receiver: Receiver, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "SCAN_SECONDS", 0.2)
    with office.running(receiver.url, clock=clock):  # the gateway is away all day
        first = office.issue("A")
        assert office.ask_text(first).status_code == 200
        owed = office.wait_for(first, lambda n: n.attempts >= 1 and n.state == NoticeState.DUE)
        assert owed.state == NoticeState.DUE, "near the front, not sent yet"
        for _ in range(3):
            office.issue("A")
        last = office.issue("A")
        assert office.ask_text(last).status_code == 200
        time.sleep(0.5)
        assert office.notice(last).state == NoticeState.WAITING

        # Nobody came back to the counters; the office's day ends with both tickets
        # still reading "waiting" (the next morning's first command expires them).
        clock.advance(days=1)
        receiver.start()
        for ticket in (first, last):
            over = office.wait_for(ticket, lambda n: not n.state.is_open)
            assert over.state == NoticeState.DROPPED and over.phone is None
        time.sleep(0.5)
    assert receiver.received == []


def test_an_office_that_stops_texting_keeps_no_numbers(office: Office) -> None:
    with office.running(f"http://127.0.0.1:{free_port()}/kirim"):
        mine = _a_queue_with_mine_fourth(office)
    assert office.notice(mine).phone == "+6281234567890"
    with office.running(None):  # the gateway taken out of the settings
        gone = office.wait_for(mine, lambda n: not n.state.is_open)
        page = httpx.get(office.url + mine["status_path"]).text
    assert gone.state == NoticeState.DROPPED and gone.phone is None
    assert "Kabari saya" not in page and "0812" not in page


def test_a_refusal_that_repeats_the_number_keeps_it_nowhere(
    office: Office, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.answers = [422]
    receiver.refusal = b'{"error": "nomor 0812-3456-7890 (+6281234567890) tidak terdaftar"}'
    receiver.start()
    with office.running(receiver.url):
        mine = _a_queue_with_mine_fourth(office)
        office.call_next(1)
        gave_up = office.wait_for(mine, lambda n: not n.state.is_open)
    assert gave_up.state == NoticeState.FAILED and gave_up.phone is None
    assert gave_up.last_error is not None and "tidak terdaftar" in gave_up.last_error
    assert "given up after 1 tries: HTTP 422" in caplog.text
    for kept in (gave_up.last_error, caplog.text):
        assert "3456" not in kept and "7890" not in kept
