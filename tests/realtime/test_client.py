"""The device client on its own: addresses, offline behaviour, the update stream."""

from __future__ import annotations

import asyncio
import time

import pytest

from antrean.client import (
    ClientUpdate,
    CommandTimeout,
    ConnectionState,
    DeviceClient,
    websocket_url,
)
from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import EventType
from tests.realtime.conftest import LiveServer, Office, free_socket


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000/ws"),
        ("https://antrean.example.go.id/", "wss://antrean.example.go.id/ws"),
        ("http://host/antrean", "ws://host/antrean/ws"),
        ("ws://host:9/ws", "ws://host:9/ws"),
    ],
)
def test_the_socket_address_comes_from_the_server_address(given: str, expected: str) -> None:
    assert websocket_url(given) == expected


def test_not_a_server_address_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="not a server address"):
        DeviceClient("127.0.0.1:8000", "atd_x")


def test_offline_commands_time_out_and_the_state_says_offline() -> None:
    sock = free_socket()  # bound but not listening: connections are refused
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def scenario() -> None:
        states: list[ConnectionState] = []
        async with DeviceClient(url, "atd_x", max_backoff=0.2) as client:
            client.on_change(lambda u: states.append(u.state))
            began = time.monotonic()
            with pytest.raises(CommandTimeout):
                await client.send(IssueTicketCommand(site="demo", service="A"), timeout=0.6)
            assert 0.5 < time.monotonic() - began < 2
            assert client.state in (ConnectionState.OFFLINE, ConnectionState.CONNECTING)
        # It kept trying, quickly (capped backoff), rather than giving up.
        assert states.count(ConnectionState.OFFLINE) >= 2
        assert not client._pending  # a timed-out command is not sent later

    try:
        asyncio.run(scenario())
    finally:
        sock.close()


def test_a_client_started_before_its_server_comes_online(office: Office) -> None:
    office.server.stop()

    async def scenario() -> None:
        updates: list[ClientUpdate] = []

        async def watch(client: DeviceClient) -> None:
            async for update in client.updates():
                updates.append(update)

        async with DeviceClient(office.server.url, office.tokens["kiosk"], max_backoff=0.3) as c:
            watcher = asyncio.create_task(watch(c))
            sending = asyncio.create_task(
                c.send(IssueTicketCommand(site="demo", service="D"), timeout=15)
            )
            await asyncio.sleep(0.8)
            assert c.state is not ConnectionState.ONLINE and not sending.done()
            await asyncio.to_thread(office.server.start)
            issued = await sending  # sent once the connection came up
            assert issued is not None and issued["ticket"]["code"] == "D001"
            async with asyncio.timeout(5):
                while not any(u.event for u in updates):
                    await asyncio.sleep(0.01)
        await asyncio.wait_for(watcher, 2)  # the iterator ends when the client stops
        kinds = [u.kind for u in updates]
        assert kinds.index("snapshot") < kinds.index("event")
        states = [u.state for u in updates if u.kind == "state"]
        assert ConnectionState.OFFLINE in states and ConnectionState.ONLINE in states
        event = next(u.event for u in updates if u.event)
        assert event.type is EventType.ISSUED and event.ticket is not None
        assert event.ticket.code == "D001"

    asyncio.run(scenario())


def test_many_sockets_share_one_snapshot_read(make_office: object) -> None:
    office: Office = make_office()  # type: ignore[operator]
    server: LiveServer = office.server

    async def scenario() -> None:
        clients = [DeviceClient(server.url, office.tokens["display"]) for _ in range(30)]
        for client in clients:
            await client.start()
        try:
            await asyncio.gather(*(c.wait_online(10) for c in clients))
        finally:
            for client in clients:
                await client.stop()

    asyncio.run(scenario())
    assert server.app is not None
    realtime = server.app.state.realtime
    assert realtime.snapshots.reads < 10
    # The server hears each close a moment after the client sent it.
    deadline = time.monotonic() + 10
    while realtime.connected() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert realtime.connected() == []
