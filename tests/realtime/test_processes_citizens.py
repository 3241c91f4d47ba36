"""Two real server processes on one PostgreSQL, as `--workers` or several machines run
them: a citizen's live page follows commands made on the other process, and each text
near one's turn goes out once although both processes' notifiers watch the office."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.store import notices
from server.store.database import Database
from server.store.notices import NoticeState
from tests.conftest import make_demo_database
from tests.live import free_port
from tests.realtime.processes import start_server, stop_server
from tests.server.webhook_receiver import Receiver

pytestmark = pytest.mark.postgres

TEXTS = 6
WAIT = 20.0


@dataclass
class Processes:
    db: Database
    urls: tuple[str, str]
    receiver: Receiver
    officer: dict[str, str]

    def issue(self, url: str) -> dict[str, Any]:
        answer = httpx.post(
            f"{url}/api/v1/sites/demo/tickets", json={"service": "A"}, headers=self.officer
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def call_next(self, url: str, counter: int) -> None:
        answer = httpx.post(
            f"{url}/api/v1/sites/demo/counters/{counter}/call-next", headers=self.officer
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture
def processes(postgres_url: str, tmp_path: Path) -> Iterator[Processes]:
    db = make_demo_database(postgres_url)
    with db.writing() as work:
        for service in work.services(find_site(work, "demo").id):
            if service.code == "A":
                service.notify_ahead = 2
                work.save(service)
    receiver = Receiver(free_port()).start()
    started = []
    try:
        for name in ("a", "b"):
            started.append(start_server(
                postgres_url, tmp_path / name, fanout="postgres",
                notify_webhook_url=receiver.url, notify_retry_seconds="0.2",
            ))
        url_a, url_b = (url for _, url in started)
        answer = httpx.post(
            f"{url_a}/api/v1/auth/token", json={"username": "petugas", "password": DEMO_PASSWORD}
        )
        officer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        yield Processes(db, (url_a, url_b), receiver, officer)
    finally:
        for process, _ in started:
            stop_server(process)
        receiver.stop()
        db.dispose()


def test_a_live_page_on_one_process_follows_calls_made_on_the_other(
    processes: Processes,
) -> None:
    url_a, url_b = processes.urls
    first = processes.issue(url_a)
    mine = processes.issue(url_a)

    async def follow() -> list[dict[str, Any]]:
        ws_url = url_b.replace("http", "ws") + f"/t/{mine['ticket']['id']}/live"
        seen: list[dict[str, Any]] = []
        async with connect(ws_url) as page:
            await page.send(json.dumps({"token": mine["token"], "lang": "id"}))
            seen.append(json.loads(await page.recv()))
            await asyncio.to_thread(processes.call_next, url_a, 1)
            async with asyncio.timeout(WAIT):
                seen.append(json.loads(await page.recv()))
                await asyncio.to_thread(processes.call_next, url_a, 2)
                while seen[-1]["status"] != "called":
                    seen.append(json.loads(await page.recv()))
        return seen

    seen = asyncio.run(follow())
    assert first["ticket"]["code"] == "A001"
    assert (seen[0]["status"], seen[0]["code"], seen[0]["ahead"]) == ("waiting", "A002", 1)
    assert (seen[1]["status"], seen[1]["ahead"]) == ("waiting", 0)
    assert (seen[-1]["status"], seen[-1]["counter"]) == ("called", 2)


def test_each_text_goes_out_once_with_both_processes_watching(processes: Processes) -> None:
    urls = processes.urls
    for n in range(3):
        processes.issue(urls[n % 2])
    asked = []
    for n in range(TEXTS):
        # Asked on both processes, so both notifiers follow the office.
        url = urls[n % 2]
        ticket = processes.issue(url)
        answer = httpx.post(
            f"{url}/t/{ticket['ticket']['id']}/texts",
            data={"token": ticket["token"], "phone": f"0812-3456-78{n:02d}", "action": "ask"},
            follow_redirects=True,
        )
        assert answer.status_code == 200, answer.text
        asked.append(ticket["ticket"]["id"])
    # Each call brings one more ticket within two places; both processes hear of it at
    # once (one from its own command, the other through PostgreSQL) and both look.
    for n in range(TEXTS + 1):
        processes.call_next(urls[n % 2], 1 + n % 2)

    deadline = time.monotonic() + WAIT
    while True:
        with processes.db.reading() as work:
            states = [notices.of_ticket(work, ticket_id) for ticket_id in asked]
        if all(s is not None and s.state == NoticeState.SENT for s in states):
            break
        assert time.monotonic() < deadline, [s.state if s else None for s in states]
        time.sleep(0.1)
    time.sleep(1.0)  # a text sent twice would have arrived by now
    deliveries = Counter(r.body["delivery_id"] for r in processes.receiver.received)
    assert sorted(deliveries) == sorted(f"antrean-demo-{ticket_id}" for ticket_id in asked)
    assert set(deliveries.values()) == {1}, deliveries
    assert all(s is not None and s.attempts == 1 for s in states)
