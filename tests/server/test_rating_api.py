"""Over REST: who may rate, transfer notes and pause reasons in the event stream."""

from __future__ import annotations

from antrean.vocabulary import DeviceKind
from tests.server.conftest import Api


def _error(answer) -> str:  # type: ignore[no-untyped-def]
    return str(answer.json()["error"]["code"])


def test_only_the_keypad_of_the_ticket_s_counter_rates(api: Api, officer: dict[str, str]) -> None:
    kiosk = api.device(DeviceKind.KIOSK)
    keypad1 = api.device(DeviceKind.COUNTER, [1])
    keypad2 = api.device(DeviceKind.COUNTER, [2])
    ticket = api.issue(kiosk, "A")["ticket"]
    called = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=keypad1)
    assert called.json()["id"] == ticket["id"]
    api.client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=keypad1).raise_for_status()

    rate = f"/api/v1/tickets/{ticket['id']}/rate"
    for who in (officer, api.login("admin"), keypad2, kiosk):
        refused = api.client.post(rate, json={"satisfaction": "very_satisfied"}, headers=who)
        assert (refused.status_code, _error(refused)) == (403, "forbidden")
    bad = api.client.post(rate, json={"satisfaction": "happy"}, headers=keypad1)
    assert (bad.status_code, _error(bad)) == (422, "invalid_request")

    first = api.client.post(
        rate, json={"satisfaction": "very_satisfied", "request_id": "face-1"}, headers=keypad1
    )
    assert first.status_code == 200 and first.json()["status"] == "done"
    again = api.client.post(
        rate, json={"satisfaction": "very_satisfied", "request_id": "face-1"}, headers=keypad1
    )
    assert again.status_code == 200, "a retry of the same press gets the first answer"
    second = api.client.post(rate, json={"satisfaction": "dissatisfied"}, headers=keypad1)
    assert (second.status_code, _error(second)) == (409, "already_rated")

    events = api.client.get("/api/v1/sites/demo/events", headers=officer).json()
    rated = [e for e in events if e["type"] == "rated"]
    assert len(rated) == 1
    assert rated[0]["data"] == {"satisfaction": "very_satisfied", "score": 4}
    assert rated[0]["counter"] == 1 and rated[0]["ticket"]["id"] == ticket["id"]


def test_transfer_note_and_pause_reason_are_kept(api: Api, officer: dict[str, str]) -> None:
    ticket = api.issue(officer, "A")["ticket"]
    api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer).raise_for_status()
    moved = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/transfer",
        json={"service": "B", "note": "KK sudah diperiksa"},
        headers=officer,
    )
    assert moved.status_code == 200
    paused = api.client.post(
        "/api/v1/sites/demo/counters/1/state",
        json={"state": "paused", "reason": "Salat Jumat"},
        headers=officer,
    )
    assert paused.json()["state"] == "paused"
    events = api.client.get("/api/v1/sites/demo/events", headers=officer).json()
    transferred = next(e for e in events if e["type"] == "transferred")
    assert transferred["data"]["note"] == "KK sudah diperiksa"
    changed = next(e for e in events if e["type"] == "counter_changed")
    assert changed["data"] == {"state": "paused", "reason": "Salat Jumat"}
