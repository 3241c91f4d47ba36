"""Refusals: who may not, when not, and what bad input gets back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antrean.vocabulary import DeviceKind, Role
from server.engine.commands import find_site
from server.engine.schedule import Schedule, TimeRange
from tests.conftest import Clock
from tests.server.conftest import Api


def _error(answer) -> str:  # type: ignore[no-untyped-def]
    body = answer.json()
    assert set(body["error"]["message"]) == {"id", "en"}
    return str(body["error"]["code"])


def test_no_token_no_entry(api: Api) -> None:
    answer = api.client.post("/api/v1/sites/demo/tickets", json={"service": "A"})
    assert answer.status_code == 401
    assert _error(answer) == "not_authenticated"
    forged = api.client.get(
        "/api/v1/sites/demo/queue", headers={"Authorization": "Bearer atd_forged"}
    )
    assert forged.status_code == 401


def test_wrong_password(api: Api) -> None:
    answer = api.client.post("/api/v1/auth/token", json={"username": "petugas", "password": "no"})
    assert answer.status_code == 401
    assert _error(answer) == "invalid_credentials"


def test_sign_in_with_a_form(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/auth/token", data={"username": "petugas", "password": "demo1234"}
    )
    assert answer.status_code == 200
    assert answer.json()["role"] == "officer"
    assert answer.json()["site"] == "demo"


def test_what_each_device_kind_may_do(api: Api) -> None:
    kiosk = api.device(DeviceKind.KIOSK)
    display = api.device(DeviceKind.DISPLAY)
    keypad = api.device(DeviceKind.COUNTER, [1])
    issued = api.issue(kiosk, "A")
    assert issued["ticket"]["code"] == "A001"

    denied = api.client.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=display)
    assert (denied.status_code, _error(denied)) == (403, "forbidden")
    kiosk_calls = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=kiosk)
    assert kiosk_calls.status_code == 403
    other_counter = api.client.post("/api/v1/sites/demo/counters/2/call-next", headers=keypad)
    assert other_counter.status_code == 403
    own_counter = api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=keypad)
    assert own_counter.json()["code"] == "A001"
    assert api.client.get("/api/v1/sites/demo/queue", headers=display).status_code == 200


def test_a_kiosk_cancels_only_its_own_tickets(api: Api, officer: dict[str, str]) -> None:
    kiosk, other_kiosk = api.device(DeviceKind.KIOSK), api.device(DeviceKind.KIOSK)
    mine = api.issue(kiosk, "A")["ticket"]["id"]
    theirs = api.issue(officer, "A")["ticket"]["id"]
    assert api.client.post(f"/api/v1/tickets/{theirs}/cancel", headers=kiosk).status_code == 403
    assert api.client.post(f"/api/v1/tickets/{mine}/cancel", headers=other_kiosk).status_code == 403
    assert api.client.post(f"/api/v1/tickets/{mine}/cancel", headers=kiosk).status_code == 200


def test_a_kiosk_cancels_only_a_waiting_ticket_it_just_issued(
    api: Api, officer: dict[str, str], clock: Clock
) -> None:
    kiosk = api.device(DeviceKind.KIOSK)

    def cancel(ticket_id: int) -> tuple[int, dict[str, Any]]:
        answer = api.client.post(f"/api/v1/tickets/{ticket_id}/cancel", headers=kiosk)
        return answer.status_code, answer.json()

    called, served, returned, old, fresh = (
        api.issue(kiosk, "A")["ticket"]["id"] for _ in range(5)
    )
    api.client.post("/api/v1/sites/demo/counters/1/state", json={"state": "open"}, headers=officer)
    steps = [("call", called), ("call", served), ("start", served), ("call", returned),
             ("no-show", returned), ("requeue", returned)]
    for step, ticket in steps:
        body = {"counter": 1} if step == "call" else {}
        done = api.client.post(f"/api/v1/tickets/{ticket}/{step}", json=body, headers=officer)
        assert done.status_code == 200, done.text
    # Called, being served, or called once and back in line: the kiosk may not touch it.
    for ticket in (called, served, returned):
        status, body = cancel(ticket)
        assert (status, body["error"]["code"]) == (403, "forbidden")
        assert "waiting ticket it issued" in body["error"]["details"]["rule"]
    clock.advance(minutes=14)
    assert cancel(fresh)[0] == 200  # the print failed a moment ago
    clock.advance(minutes=2)
    assert cancel(old)[0] == 403  # sixteen minutes on, it is the citizen's
    # An officer may still cancel what the kiosk may not.
    assert api.client.post(f"/api/v1/tickets/{old}/cancel", headers=officer).status_code == 200


def test_officer_of_another_site_is_refused(api: Api) -> None:
    from server.admin import CounterSpec, ServiceSpec, SiteSpec, add_user, create_site

    with api.db.writing() as work:
        create_site(
            work,
            SiteSpec(
                "desa",
                "Kantor Desa",
                "Asia/Jayapura",
                Schedule.every_day(),
                services=[ServiceSpec("A", "Umum")],
                counters=[CounterSpec(1, "Loket", ["A"])],
            ),
        )
        add_user(work, "kades", "rahasia1", Role.OFFICER, "desa")
    answer = api.client.post(
        "/api/v1/auth/token", json={"username": "kades", "password": "rahasia1"}
    )
    outsider = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    refused = api.client.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=outsider)
    assert refused.status_code == 403
    assert api.client.get("/api/v1/sites/demo/queue", headers=outsider).status_code == 403


def test_revoked_device_is_refused(api: Api) -> None:
    from datetime import UTC, datetime

    from server.admin import revoke_device
    from server.store import accounts

    kiosk = api.device(DeviceKind.KIOSK)
    api.issue(kiosk, "A")
    with api.db.writing() as work:
        [device] = accounts.devices(work)
        revoke_device(work, device.id, datetime.now(UTC))
    answer = api.client.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=kiosk)
    assert (answer.status_code, _error(answer)) == (401, "device_revoked")


def test_closed_office_says_why_and_when_it_opens(api: Api, officer: dict[str, str]) -> None:
    office_hours = Schedule(
        sessions={"tue": [TimeRange.parse("08:00-15:00")], "wed": [TimeRange.parse("08:00-15:00")]},
        cutoff_minutes=30,
    )
    with api.db.writing() as work:
        site = find_site(work, "demo")
        site.schedule = office_hours
        work.save(site)
    # 10:00 WITA Tuesday: open.
    api.issue(officer, "A")
    clock = api.client.app.state.operations.clock  # type: ignore[attr-defined]
    clock.advance(hours=4, minutes=45)  # 14:45 WITA, inside the 30-minute cut-off
    late = api.client.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=officer)
    assert (late.status_code, _error(late)) == (409, "after_cutoff")
    assert late.json()["error"]["details"]["next_open"] == "2026-11-25T08:00:00+08:00"
    clock.advance(hours=2)  # 16:45 WITA
    closed = api.client.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=officer)
    assert _error(closed) == "after_closing"


def test_quota_and_inactive_service(api: Api, officer: dict[str, str]) -> None:
    with api.db.writing() as work:
        for service in work.services(find_site(work, "demo").id):
            if service.code == "D":
                service.daily_quota = 2
            if service.code == "E":
                service.active = False
            work.save(service)
    api.issue(officer, "D")
    api.issue(officer, "D")
    full = api.client.post("/api/v1/sites/demo/tickets", json={"service": "D"}, headers=officer)
    assert (full.status_code, _error(full)) == (409, "quota_reached")
    off = api.client.post("/api/v1/sites/demo/tickets", json={"service": "E"}, headers=officer)
    assert (off.status_code, _error(off)) == (409, "service_inactive")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/sites/demo/tickets", {"service": "A", "priority": "vip"}),
        ("post", "/api/v1/sites/demo/tickets", {"service": "TOOLONG"}),
        ("post", "/api/v1/sites/demo/tickets", {"service": "A", "extra": 1}),
        ("post", "/api/v1/sites/demo/tickets", {"service": "A", "request_id": "a b"}),
        ("post", "/api/v1/sites/demo/tickets", ["not", "an", "object"]),
        ("post", "/api/v1/sites/demo/counters/0/call-next", None),
        ("post", "/api/v1/sites/demo/counters/99999999999999999999/call-next", None),
        ("post", "/api/v1/tickets/-1/finish", None),
        ("post", "/api/v1/tickets/1/explode", None),
        ("post", "/api/v1/tickets/1/transfer", {"service": 5}),
        ("post", "/api/v1/sites/demo/counters/1/state", {"state": "asleep"}),
        ("get", "/api/v1/sites/de mo/queue", None),
        ("get", "/api/v1/sites/demo/events?after=-4", None),
    ],
)
def test_malformed_input_gets_a_clear_error(
    api: Api, officer: dict[str, str], method: str, path: str, body: object
) -> None:
    answer = api.client.request(method.upper(), path, json=body, headers=officer)
    assert 400 <= answer.status_code < 500
    assert _error(answer) in {"invalid_request", "not_found"}


def test_garbage_bytes_are_refused(api: Api, officer: dict[str, str]) -> None:
    answer = api.client.post(
        "/api/v1/sites/demo/tickets",
        content=b"\xff\xfe{{{",
        headers={**officer, "content-type": "application/json"},
    )
    assert (answer.status_code, _error(answer)) == (400, "invalid_request")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(
        st.sampled_from(["service", "priority", "request_id", "reason", "counter", "state"]),
        json_values,
        max_size=4,
    ),
    path=st.sampled_from(
        [
            "/api/v1/sites/demo/tickets",
            "/api/v1/sites/demo/counters/1/call-next",
            "/api/v1/sites/demo/counters/1/state",
            "/api/v1/tickets/1/transfer",
            "/api/v1/tickets/1/cancel",
            "/api/v1/tickets/1/call",
            "/api/v1/tickets/1/recall",
        ]
    ),
)
def test_no_body_makes_a_server_error(
    api: Api, officer: dict[str, str], body: dict, path: str
) -> None:
    answer = api.client.post(path, json=body, headers=officer)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert "code" in answer.json()["error"]
    queue = api.client.get("/api/v1/sites/demo/queue", headers=officer).json()
    issued = sum(s["issued_today"] for s in queue["services"])
    assert issued == len(
        {t["id"] for t in queue["waiting"]}
        | {c["current"]["id"] for c in queue["counters"] if c["current"]}
    ) + _closed(api, officer), "the queue stays consistent"


def _closed(api: Api, officer: dict[str, str]) -> int:
    events = api.client.get("/api/v1/sites/demo/events?limit=1000", headers=officer).json()
    final = {"finished", "cancelled", "no_show", "expired"}
    last_type: dict[int, str] = {}
    for event in events:
        if event["ticket"]:
            last_type[event["ticket"]["id"]] = event["type"]
    return sum(1 for kind in last_type.values() if kind in final)
