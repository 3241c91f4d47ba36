"""The periodic refresh costs per office, not per socket: one token check for the whole
process, one snapshot read per office, the same frame to each of its sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from websockets.asyncio.client import ClientConnection

from antrean.vocabulary import DeviceKind
from server.admin import add_device, create_site
from server.demo_office import demo_spec
from server.realtime.service import Realtime
from tests.realtime.conftest import Office, greeted, next_frame

OFFICES = ("demo", "kedua")


class Statements:
    """Every statement SQLite runs for the server, from any thread."""

    def __init__(self) -> None:
        self.count = 0

    def install(self, app: FastAPI) -> None:
        def traced(connection: Any, _record: Any) -> None:
            connection.set_trace_callback(self.seen)

        event.listen(app.state.operations.db.engine, "connect", traced)

    def seen(self, _statement: str) -> None:
        self.count += 1


def test_a_refresh_round_costs_the_same_for_two_sockets_as_for_sixty(
    make_office: Callable[..., Office],
) -> None:
    statements = Statements()
    office = make_office(
        statements.install,
        ws_refresh_seconds=0,  # rounds run by hand below
        ws_access_check_seconds=3600, health_check_seconds=3600,
    )
    with office.db.transaction() as session:
        create_site(session, replace(demo_spec(), code="kedua"))
        tokens = {
            site: [
                add_device(session, site, DeviceKind.DISPLAY, office.clock(), name=f"tv {n}")[1]
                for n in range(30)
            ]
            for site in OFFICES
        }
    assert office.server.app is not None
    realtime: Realtime = office.server.app.state.realtime

    async def refresh_round() -> int:
        """Statements run by one whole refresh round, on the server's own loop."""
        await asyncio.sleep(1.5)  # the sightings of new sockets are written by now
        before = statements.count
        assert realtime.loop is not None
        done = asyncio.run_coroutine_threadsafe(realtime.refresh_round(), realtime.loop)
        await asyncio.wrap_future(done)
        return statements.count - before

    async def refreshed(sockets: list[ClientConnection]) -> list[str]:
        frames = [await next_frame(ws, "snapshot") for ws in sockets]
        assert {frame["reason"] for frame in frames} == {"refresh"}
        return [json.dumps(frame, sort_keys=True) for frame in frames]

    async def scenario() -> tuple[int, int, list[str]]:
        few = [(await greeted(office, tokens[site][0]))[0] for site in OFFICES]
        with_few = await refresh_round()
        await refreshed(few)
        many = [(await greeted(office, token))[0] for site in OFFICES for token in tokens[site][1:]]
        with_many = await refresh_round()
        frames = await refreshed(few + many)
        for ws in few + many:
            await ws.close()
        return with_few, with_many, frames

    with_few, with_many, frames = asyncio.run(scenario())
    print(f"statements per refresh round: {with_few} with 2 sockets, {with_many} with 60")
    assert with_many == with_few, (with_few, with_many)
    # One token check and one snapshot read per office (a snapshot is a few dozen
    # statements today), nothing per socket: 60 sockets would show here at once.
    assert with_few < 60 * len(OFFICES)
    assert realtime.refresh_rounds == 2 and realtime.refresh_reads == 2 * len(OFFICES)
    # Every socket of an office got the very same frame.
    assert len(set(frames)) == len(OFFICES)
