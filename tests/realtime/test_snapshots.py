"""An office's set-up changed (a service added, a counter retired): no snapshot read
before the change reaches a device after it, whether the read was shared by sockets
saying hello, by the periodic refresh, or already waiting in a socket's outbox."""

from __future__ import annotations

import asyncio
import threading

from antrean.protocol import QueueSnapshot
from server.engine.commands import find_site
from server.engine.views import snapshot
from server.realtime.hub import Hub
from server.realtime.outbox import Delta, Outbox, SnapshotWanted
from server.realtime.snapshots import Snapshots
from server.store.database import Database
from tests.conftest import Clock


def test_a_read_under_way_when_the_office_changes_serves_no_one_after(
    demo_sqlite: Database, clock: Clock
) -> None:
    with demo_sqlite.reading() as work:
        base = snapshot(work, find_site(work, "demo"), clock())
    set_ups = iter(["before", "after", "after"])
    release = threading.Event()  # holds the first read until the change is made

    def read(site: str) -> QueueSnapshot:
        set_up = next(set_ups)
        if set_up == "before":
            release.wait(5)
        return base.model_copy(update={"announcements": [set_up]})

    async def scenario() -> None:
        hub = Hub()
        hub.attach()
        snapshots = Snapshots(read, hub)
        under_way = asyncio.create_task(snapshots.fresh("demo"))  # a refresh's read
        await asyncio.sleep(0.05)
        snapshots.forget("demo")  # the admin page saved a change meanwhile
        refresh = asyncio.create_task(snapshots.fresh("demo"))
        hello = asyncio.create_task(snapshots.get("demo"))
        await asyncio.sleep(0.05)
        release.set()
        old, fresh, greeted = await asyncio.gather(under_way, refresh, hello)
        assert '"before"' in old.json and not snapshots.current("demo", old)
        assert '"after"' in fresh.json and snapshots.current("demo", fresh)
        assert '"after"' in greeted.json
        assert snapshots.reads == 2, "the refresh and the hello shared the read after"
        cached = await snapshots.get("demo")  # the old read was never kept for later
        assert '"after"' in cached.json and snapshots.reads == 2
        hub.detach()

    asyncio.run(scenario())


def test_a_snapshot_waiting_in_the_outbox_is_dropped_when_the_office_changes() -> None:
    box = Outbox()
    box.want_snapshot("resync")
    box.put_snapshot(4, "the office as it was")  # a refresh, read before the change
    box.put_delta(5, "d5")
    box.want_snapshot("refresh", replacing=True)
    # The request already waiting is read when taken, after the change: it covers both.
    assert [box.take() for _ in range(len(box))] == [SnapshotWanted("resync"), Delta(5, "d5")]
    box.put_snapshot(6, "also before")
    box.want_snapshot("refresh", replacing=True)
    assert [box.take() for _ in range(len(box))] == [SnapshotWanted("refresh")]
