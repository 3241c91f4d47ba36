"""A ticket's whole life through the REST API."""

from __future__ import annotations

from antrean.vocabulary import DeviceKind
from tests.server.conftest import Api


def test_ticket_life_on_each_database(api_on_each_database: Api) -> None:
    api = api_on_each_database
    officer = api.login("petugas")
    first = api.issue(officer, "A", priority="elderly")
    second = api.issue(officer, "A")
    assert [first["ticket"]["code"], second["ticket"]["code"]] == ["A001", "A002"]
    assert second["people_ahead"] == 1

    called = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    assert called.status_code == 200
    assert called.json()["code"] == "A001"
    assert called.json()["counter"] == 1

    recalled = api.client.post(f"/api/v1/tickets/{first['ticket']['id']}/recall", headers=officer)
    assert recalled.json()["call_count"] == 2
    started = api.client.post(f"/api/v1/tickets/{first['ticket']['id']}/start", headers=officer)
    assert started.json()["status"] == "serving"
    finished = api.client.post(f"/api/v1/tickets/{first['ticket']['id']}/finish", headers=officer)
    assert finished.json()["status"] == "done"

    events = api.client.get("/api/v1/sites/demo/events", headers=officer).json()
    assert [e["type"] for e in events] == [
        "issued",
        "issued",
        "called",
        "recalled",
        "started",
        "finished",
    ]
    assert [e["seq"] for e in events] == list(range(1, 7))
    assert events[2]["ticket"]["code"] == "A001"
    assert events[2]["counter"] == 1


def test_call_next_answers_204_when_nobody_waits(api: Api, officer: dict[str, str]) -> None:
    answer = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    assert answer.status_code == 204
    assert answer.content == b""


def test_no_show_then_requeue_then_called_again(api: Api, officer: dict[str, str]) -> None:
    ticket = api.issue(officer, "C")["ticket"]
    api.issue(officer, "C")
    api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    missed = api.client.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=officer)
    assert missed.json()["status"] == "no_show"
    back = api.client.post(f"/api/v1/tickets/{ticket['id']}/requeue", headers=officer)
    assert back.json()["status"] == "waiting"
    again = api.client.post("/api/v1/sites/demo/counters/3/call-next", headers=officer)
    assert again.json()["code"] == ticket["code"], "a returning citizen keeps their place"


def test_transfer_keeps_the_code_and_moves_the_service(api: Api, officer: dict[str, str]) -> None:
    ticket = api.issue(officer, "A")["ticket"]
    api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    moved = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "b"}, headers=officer
    )
    assert moved.status_code == 200
    assert moved.json() | {"issued_at": None} == moved.json() | {
        "code": "A001",
        "service": "B",
        "status": "waiting",
        "counter": None,
        "issued_at": None,
    }
    at_b = api.client.post("/api/v1/sites/demo/counters/3/call-next", headers=officer)
    assert at_b.json()["code"] == "A001"


def test_call_a_specific_ticket_out_of_order(api: Api, officer: dict[str, str]) -> None:
    api.issue(officer, "A")
    later = api.issue(officer, "A")["ticket"]
    answer = api.client.post(
        f"/api/v1/tickets/{later['id']}/call", json={"counter": 2}, headers=officer
    )
    assert answer.json()["code"] == "A002"
    assert answer.json()["counter"] == 2


def test_cancel_keeps_the_reason(api: Api, officer: dict[str, str]) -> None:
    ticket = api.issue(officer, "D")["ticket"]
    answer = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/cancel",
        json={"reason": "berkas tidak lengkap"},
        headers=officer,
    )
    assert answer.json()["status"] == "cancelled"
    events = api.client.get("/api/v1/sites/demo/events?after=1", headers=officer).json()
    assert events[-1]["type"] == "cancelled"
    assert events[-1]["data"]["reason"] == "berkas tidak lengkap"


def test_repeated_request_id_returns_the_first_answer(api: Api, officer: dict[str, str]) -> None:
    first = api.issue(officer, "A", request_id="kiosk-7")
    again = api.issue(officer, "A", request_id="kiosk-7")
    assert again == first
    events = api.client.get("/api/v1/sites/demo/events", headers=officer).json()
    assert len(events) == 1, "the retry changed nothing"
    other = api.issue(officer, "A", request_id="kiosk-8")
    assert other["ticket"]["code"] == "A002"


def test_request_ids_belong_to_their_caller(api: Api) -> None:
    one, two = api.login("petugas"), api.device(DeviceKind.KIOSK)
    a = api.issue(one, "A", request_id="same")
    b = api.issue(two, "A", request_id="same")
    assert a["ticket"]["code"] != b["ticket"]["code"]


def test_counter_states(api: Api, officer: dict[str, str]) -> None:
    api.issue(officer, "A")
    paused = api.client.post(
        "/api/v1/sites/demo/counters/1/state", json={"state": "paused"}, headers=officer
    )
    assert paused.json()["state"] == "paused"
    refused = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "counter_not_open"


def test_queue_snapshot(api: Api, officer: dict[str, str]) -> None:
    for service in "AAB":
        api.issue(officer, service)
    api.client.post("/api/v1/sites/demo/counters/2/call-next", headers=officer)
    queue = api.client.get("/api/v1/sites/demo/queue", headers=officer).json()
    assert queue["seq"] == 4
    assert queue["site"]["timezone"] == "Asia/Makassar"
    assert queue["site"]["local_day"] == "2026-11-24"
    waiting = {s["code"]: s["waiting"] for s in queue["services"]}
    assert waiting == {"A": 1, "B": 1, "C": 0, "D": 0, "E": 0}
    counter2 = next(c for c in queue["counters"] if c["number"] == 2)
    assert counter2["current"]["code"] == "A001"
    assert queue["recent_calls"][0]["code"] == "A001"
    assert [t["code"] for t in queue["waiting"]] == ["A002", "B001"]


def test_citizen_status_by_token(api: Api, officer: dict[str, str]) -> None:
    api.issue(officer, "A")
    issued = api.issue(officer, "A")
    ticket_id, token = issued["ticket"]["id"], issued["token"]
    status = api.client.get(f"/api/v1/tickets/{ticket_id}/status", params={"token": token})
    assert status.status_code == 200
    assert status.json()["people_ahead"] == 1
    assert status.json()["service_name"] == "KTP & Kartu Keluarga"
    page = api.client.get(issued["status_path"])
    assert page.status_code == 200
    assert "A002" in page.text and "1 orang" in page.text
    wrong = api.client.get(f"/api/v1/tickets/{ticket_id}/status", params={"token": "x" * 24})
    assert wrong.status_code == 404
    assert api.client.get(f"/t/{ticket_id}?token={'y' * 24}").status_code == 404
