"""The socket's edges by hand: refusals at hello, garbage frames, permissions, retries."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from antrean.client import CommandFailed, DeviceClient
from antrean.messages import (
    CLOSE_BAD_HELLO,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_NOT_FOUND,
    CLOSE_PROTOCOL_MISMATCH,
)
from antrean.protocol import PROTOCOL_VERSION, CallNextCommand, IssueTicketCommand
from antrean.vocabulary import Role
from server.admin import add_user, create_site, revoke_device
from server.auth import sign_in
from server.demo_office import DEMO_PASSWORD, demo_spec
from server.engine.commands import find_site
from tests.realtime.conftest import Office, command, greeted, next_frame, open_socket


async def refusal(office: Office, token: str | None, **hello: Any) -> tuple[dict[str, Any], int]:
    ws = await open_socket(office, token, hello=hello)
    frame = await next_frame(ws)
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code is not None
    return frame, ws.close_code


def test_refusals_at_hello_say_why(office: Office) -> None:
    with office.db.writing() as work:
        revoke_device(work, office.device_ids["kiosk2"], office.clock())
        create_site(work, replace(demo_spec(), code="kedua"))

    async def scenario() -> None:
        frame, code = await refusal(office, "atd_not-a-real-token")
        assert (frame["type"], frame["code"], code) == (
            "refused", "not_authenticated", CLOSE_NOT_AUTHENTICATED,
        )
        frame, code = await refusal(office, office.tokens["kiosk2"])
        assert (frame["code"], code) == ("device_revoked", CLOSE_NOT_AUTHENTICATED)
        frame, code = await refusal(office, office.tokens["display"], protocol=PROTOCOL_VERSION + 1)
        assert (frame["code"], code) == ("protocol_mismatch", CLOSE_PROTOCOL_MISMATCH)
        assert frame["details"] == {"server": PROTOCOL_VERSION, "device": PROTOCOL_VERSION + 1}
        assert "perbarui perangkat" in frame["message"]["id"]
        frame, code = await refusal(office, office.tokens["display"], site="other")
        assert (frame["code"], code) == ("site_not_found", CLOSE_NOT_FOUND)
        frame, code = await refusal(office, office.tokens["display"], site="kedua")
        assert (frame["code"], code) == ("forbidden", CLOSE_FORBIDDEN)
        frame, code = await refusal(office, None)
        assert (frame["code"], code) == ("not_authenticated", CLOSE_NOT_AUTHENTICATED)

        ws = await open_socket(office, office.tokens["display"], hello={"type": "ping"})
        frame = await next_frame(ws)
        assert (frame["type"], frame["code"]) == ("refused", "hello_first")
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == CLOSE_BAD_HELLO

    asyncio.run(scenario())


def test_a_refused_client_says_so_and_does_not_hammer(office: Office) -> None:
    attempts: list[str] = []

    async def scenario() -> None:
        client = DeviceClient(office.server.url, "atd_wrong", refused_retry=30)
        client.on_change(lambda u: attempts.append(u.state))
        async with client:
            async with asyncio.timeout(5):
                while client.state != "refused":
                    await asyncio.sleep(0.01)
            assert client.refusal is not None
            assert client.refusal.code == "not_authenticated"
            assert client.refusal.message.id == "Silakan masuk terlebih dahulu."
            await asyncio.sleep(1)
        # One attempt, then quiet: no reconnect storm against a refusing server.
        assert attempts.count("connecting") == 0 and attempts.count("refused") == 1

    asyncio.run(scenario())


def test_garbage_frames_get_errors_and_the_connection_goes_on(office: Office) -> None:
    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["kiosk"])
        await ws.send("this is not json")
        assert (await next_frame(ws))["code"] == "bad_frame"
        await ws.send(b"\x00\x01binary")
        assert (await next_frame(ws))["code"] == "bad_frame"
        await ws.send("[1, 2, 3]")
        assert (await next_frame(ws))["code"] == "bad_frame"
        await ws.send(json.dumps({"type": "launch_rockets", "request_id": "r1"}))
        frame = await next_frame(ws)
        assert (frame["code"], frame["request_id"]) == ("unknown_type", "r1")
        await ws.send(json.dumps({"type": "command", "request_id": "big", "x": "y" * 70_000}))
        frame = await next_frame(ws)
        assert (frame["code"], frame["details"]["limit"]) == ("frame_too_large", 65536)
        bad = {"type": "issue_ticket", "site": "demo", "service": "A1"}
        frame = await command(ws, "bad-service", bad)
        assert (frame["type"], frame["code"]) == ("error", "invalid_request")
        assert frame["details"]["problems"][0]["where"][-1] == "service"
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION}))
        assert (await next_frame(ws))["code"] == "already_greeted"
        await ws.send(json.dumps({"type": "ping", "nonce": "n1"}))
        assert await next_frame(ws) == {"type": "pong", "nonce": "n1"}
        # After all that, the same socket still works.
        frame = await command(ws, "ok-1", {"type": "issue_ticket", "site": "demo", "service": "A"})
        assert frame["type"] == "result" and frame["status"] == 201
        assert frame["body"]["ticket"]["code"] == "A001"
        await ws.close()

    asyncio.run(scenario())


def test_permissions_follow_the_device(office: Office) -> None:
    async def scenario() -> None:
        display, _ = await greeted(office, office.tokens["display"])
        kiosk, _ = await greeted(office, office.tokens["kiosk"])
        kiosk2, _ = await greeted(office, office.tokens["kiosk2"])
        counter1, _ = await greeted(office, office.tokens["counter1"])
        issue = {"type": "issue_ticket", "site": "demo", "service": "A"}

        refused = await command(display, "d1", issue)
        assert (refused["code"], refused["message"]["en"]) == ("forbidden", "You may not do this.")
        issued = await command(kiosk, "k1", issue)
        ticket_id = issued["body"]["ticket"]["id"]
        await command(kiosk, "k2", issue)
        assert (await command(kiosk, "k3", {"type": "call_next", "site": "demo", "counter": 1}))[
            "code"
        ] == "forbidden"
        assert (await command(counter1, "c1", {"type": "call_next", "site": "demo", "counter": 2}))[
            "code"
        ] == "forbidden"
        called = await command(counter1, "c2", {"type": "call_next", "site": "demo", "counter": 1})
        assert called["body"]["id"] == ticket_id
        # A kiosk may cancel only the tickets it issued itself (a failed print).
        other = await command(kiosk, "k4", issue)
        cancel = {"type": "cancel", "ticket_id": other["body"]["ticket"]["id"], "reason": "paper"}
        assert (await command(kiosk2, "k2-1", cancel))["code"] == "forbidden"
        assert (await command(kiosk, "k5", cancel))["body"]["status"] == "cancelled"
        for ws in (display, kiosk, kiosk2, counter1):
            await ws.close()

    asyncio.run(scenario())


def test_a_repeated_request_id_gets_the_first_answer(office: Office) -> None:
    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["kiosk"])
        issue = {"type": "issue_ticket", "site": "demo", "service": "B"}
        first = await command(ws, "same-id", issue)
        await ws.close()
        # A new connection, as after a dropped network: the retry changes nothing.
        ws, _ = await greeted(office, office.tokens["kiosk"])
        again = await command(ws, "same-id", issue)
        assert again == first
        await ws.close()

    asyncio.run(scenario())
    with office.db.reading() as work:
        assert len(work.tickets_of_site(find_site(work, "demo").id)) == 1


def test_users_connect_with_their_token_and_admins_name_a_site(office: Office) -> None:
    now = office.clock()
    with office.db.writing() as work:
        add_user(work, "loket", DEMO_PASSWORD, Role.OFFICER, "demo")
        create_site(work, replace(demo_spec(), code="kedua"))
        officer, _, _ = sign_in(work, "loket", DEMO_PASSWORD, now, timedelta(hours=1))
        admin, _, _ = sign_in(work, "admin", DEMO_PASSWORD, now, timedelta(hours=1))

    async def scenario() -> None:
        ws, snap = await greeted(office, officer)
        assert snap["site"]["code"] == "demo"
        called = await command(ws, "o1", {"type": "call_next", "site": "demo", "counter": 3})
        assert (called["type"], called["status"]) == ("result", 204)  # nobody waiting
        await ws.close()
        frame, code = await refusal(office, admin)
        assert (frame["code"], code) == ("site_required", CLOSE_BAD_HELLO)
        ws = await open_socket(office, admin, hello={"site": "kedua"})
        welcome = await next_frame(ws)
        assert welcome["site"] == "kedua" and welcome["caller"]["role"] == "admin"
        assert (await next_frame(ws))["snapshot"]["site"]["code"] == "kedua"
        await ws.close()
        # The Authorization header may stand in for the token in the hello.
        headers = {"Authorization": f"Bearer {officer}"}
        async with connect(office.server.ws_url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION}))
            assert (await next_frame(ws))["caller"]["role"] == "officer"
        async with DeviceClient(office.server.url, officer) as client:
            await client.wait_online(5)
            with pytest.raises(CommandFailed) as failed:
                await client.send(CallNextCommand(site="kedua", counter=1))
            assert failed.value.code == "forbidden"
            assert failed.value.message["id"] == "Anda tidak berhak melakukan ini."
            await client.send(IssueTicketCommand(site="demo", service="E"))

    asyncio.run(scenario())
