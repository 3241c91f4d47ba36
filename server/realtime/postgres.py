"""Sharing events between server processes (or hosts) through PostgreSQL LISTEN/NOTIFY.

Each command sends its events as a NOTIFY inside its own transaction
(`server.operations.Announcer`): PostgreSQL delivers it when the command
commits, never if it rolls back, and in commit order. The process that ran the
command hands them to its own sockets after the commit; the others hear the
NOTIFY and hand the events to their hub, which keeps `seq` order and fills any
gap from the database. An event too big for one NOTIFY travels as its site and
`seq` only, and the listeners read it from the events table. After the
listening connection drops, the hub looks in the database for what it missed.

The same connection listens for revocations (`server.auth.announce_revoked`),
so a revoked device is cut off on every process at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from antrean.protocol import EventView
from antrean.tasks import cancel_and_wait
from server.auth import ACCESS_CHANNEL
from server.realtime.hub import Framed, Hub
from server.store.database import Database

log = logging.getLogger(__name__)

CHANNEL = "antrean_events"
PAYLOAD_LIMIT = 7900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
MAX_RETRY = 5.0


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql+psycopg://…` → `postgresql://…`, which psycopg reads directly."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PostgresFanout:
    def __init__(
        self, db: Database, hub: Hub, channel: str = CHANNEL, access_channel: str = ACCESS_CHANNEL
    ) -> None:
        if db.is_sqlite:
            raise ValueError("LISTEN/NOTIFY needs a PostgreSQL database")
        self.db = db
        self.hub = hub
        self.channel = channel
        self.access_channel = access_channel
        self.on_revoked: Callable[[int], None] | None = None
        """Called with a revoked device's id."""
        self.on_listening: Callable[[], None] | None = None
        """Called each time listening starts again: look for what was missed meanwhile."""
        self.origin = uuid.uuid4().hex[:16]
        self.listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # Announcer: inside a command's transaction, so PostgreSQL delivers the notice when,
    # and only if, the command commits, and in commit order (an office's events in seq order).

    def notices(self, events: list[EventView]) -> list[tuple[str, str]]:
        return [(self.channel, payload) for payload in self.payloads(events)]

    # EventBus: called from a command's thread after its commit.

    def publish(self, events: list[EventView]) -> None:
        """This process's own sockets; the others heard the NOTIFY sent at commit."""
        self.hub.publish(events)

    def payloads(self, events: list[EventView]) -> list[str]:
        bodies = [event.model_dump_json() for event in events]
        head = f'{{"origin":"{self.origin}","events":['
        payloads: list[str] = []
        batch: list[str] = []
        size = len(head) + 2
        for event, body in zip(events, bodies, strict=True):
            if len(head) + len(body.encode()) + 2 > PAYLOAD_LIMIT:
                reference = {"origin": self.origin, "site": event.site, "seq": event.seq}
                payloads.append(json.dumps(reference))
                continue
            if batch and size + len(body.encode()) + 1 > PAYLOAD_LIMIT:
                payloads.append(head + ",".join(batch) + "]}")
                batch, size = [], len(head) + 2
            batch.append(body)
            size += len(body.encode()) + 1
        if batch:
            payloads.append(head + ",".join(batch) + "]}")
        return payloads

    # Listening, on the server's event loop.

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="postgres event listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    libpq_url(self.db.url), autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {self.channel}")
                    await connection.execute(f"LISTEN {self.access_channel}")
                    failures = 0
                    self.listening.set()
                    self.hub.catch_up()
                    if self.on_listening is not None:
                        self.on_listening()
                    async for notice in connection.notifies():
                        if notice.channel == self.access_channel:
                            self.access_notice(notice.payload)
                        else:
                            self.received(notice.payload)
            except psycopg.Error as error:
                log.warning("listening for events from other processes failed: %s", error)
            finally:
                self.listening.clear()
            failures += 1
            await asyncio.sleep(min(MAX_RETRY, 0.2 * 2**failures) * random.uniform(0.5, 1.0))

    def received(self, payload: str) -> None:
        try:
            message: dict[str, Any] = json.loads(payload)
            if message.get("origin") == self.origin:
                return  # our own, delivered here already
            if "events" in message:
                self.hub.accept([Framed.from_json(event) for event in message["events"]])
            else:
                self.hub.committed(str(message["site"]), int(message["seq"]))
        except (ValueError, KeyError, TypeError) as error:
            log.warning("unreadable event notice: %s", error)

    def access_notice(self, payload: str) -> None:
        try:
            device_id = int(json.loads(payload)["device"])
        except (ValueError, KeyError, TypeError) as error:
            log.warning("unreadable revocation notice: %s", error)
            return
        if self.on_revoked is not None:
            self.on_revoked(device_id)
