"""The hub hands each site's events out once, in seq order, whatever order they come in."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from datetime import UTC, datetime

from antrean.messages import EventMessage
from antrean.protocol import EventView
from antrean.vocabulary import EventType
from server.realtime.hub import Framed, Hub
from server.realtime.outbox import Delta, Outbox, SnapshotReady, SnapshotWanted

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def event(seq: int, site: str = "demo") -> EventView:
    return EventView(seq=seq, site=site, type=EventType.COUNTER_CHANGED, at=AT, counter=1,
                     data={"state": "open"})


class Collector:
    def __init__(self) -> None:
        self.seqs: list[int] = []

    def deliver(self, seq: int, frame: str) -> None:
        assert json.loads(frame)["event"]["seq"] == seq
        self.seqs.append(seq)


def test_out_of_order_batches_from_many_threads_come_out_in_order() -> None:
    async def scenario() -> list[int]:
        hub = Hub(reorder_wait=1.0)
        hub.attach()
        seen = Collector()
        hub.subscribe("demo", seen)
        batches = [[event(n)] for n in range(1, 401)]
        random.Random(7).shuffle(batches)
        hub.publish([event(0)])  # the first one seen sets where the site stands

        def publish(part: list[list[EventView]]) -> None:
            for batch in part:
                hub.publish(batch)

        threads = [threading.Thread(target=publish, args=(batches[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        await asyncio.to_thread(lambda: [t.join() for t in threads])
        async with asyncio.timeout(5):
            while len(seen.seqs) < 401:
                await asyncio.sleep(0.01)
        hub.publish([event(5), event(399)])  # repeats are dropped
        await asyncio.sleep(0.05)
        hub.detach()
        return seen.seqs

    assert asyncio.run(scenario()) == list(range(0, 401))


def test_a_gap_is_filled_from_the_database_and_sites_are_separate() -> None:
    loaded: list[tuple[str, int, int]] = []

    def loader(site: str, after: int, limit: int) -> list[EventView]:
        loaded.append((site, after, limit))
        return [event(seq, site) for seq in range(after + 1, 6)]

    async def scenario() -> tuple[list[int], list[int]]:
        hub = Hub(loader, reorder_wait=0.01)
        hub.attach()
        demo, other = Collector(), Collector()
        hub.subscribe("demo", demo)
        hub.subscribe("other", other)
        hub.publish([event(1), event(2), event(5), event(7, "other")])
        hub.publish([event(6)])
        async with asyncio.timeout(5):
            while len(demo.seqs) < 6:
                await asyncio.sleep(0.01)
        hub.detach()
        return demo.seqs, other.seqs

    demo, other = asyncio.run(scenario())
    assert demo == [1, 2, 3, 4, 5, 6]
    assert other == [7]
    assert loaded == [("demo", 2, 1000)]


def test_a_gap_nobody_can_fill_is_skipped_so_sockets_resync() -> None:
    async def scenario() -> list[int]:
        hub = Hub(lambda site, after, limit: [], reorder_wait=0.01)
        hub.attach()
        seen = Collector()
        hub.subscribe("demo", seen)
        hub.publish([event(1), event(4), event(5)])
        async with asyncio.timeout(5):
            while len(seen.seqs) < 3:
                await asyncio.sleep(0.01)
        hub.detach()
        return seen.seqs

    assert asyncio.run(scenario()) == [1, 4, 5]


def test_news_of_a_commit_without_its_event_fetches_it() -> None:
    def loader(site: str, after: int, limit: int) -> list[EventView]:
        return [event(seq) for seq in range(after + 1, 4)]

    async def scenario() -> list[int]:
        hub = Hub(loader)
        hub.attach()
        seen = Collector()
        hub.subscribe("demo", seen)
        hub.publish([event(1)])
        await asyncio.sleep(0.01)
        hub.committed("demo", 3)  # too big for a NOTIFY: only its seq came
        async with asyncio.timeout(5):
            while len(seen.seqs) < 3:
                await asyncio.sleep(0.01)
        hub.detach()
        return seen.seqs

    assert asyncio.run(scenario()) == [1, 2, 3]


def test_the_outbox_swaps_a_backlog_for_one_snapshot_and_keeps_answers() -> None:
    async def scenario() -> None:
        wakes: list[int] = []
        box = Outbox(delta_limit=3, frame_limit=2, wake=lambda: wakes.append(len(box)))
        box.put_delta(1, "d1")
        box.put_frame("answer-1")
        for seq in range(2, 6):
            box.put_delta(seq, f"d{seq}")
        box.put_delta(6, "d6")
        assert wakes[:2] == [1, 2]  # told each time something is put in
        items = [box.take() for _ in range(len(box))]
        assert items == ["answer-1", SnapshotWanted("behind"), Delta(5, "d5"), Delta(6, "d6")]
        assert box.take() is None and len(box) == 0
        assert box.resyncs == 1
        box.want_snapshot("resync")
        box.want_snapshot("refresh")  # one waiting request covers both
        assert [box.take()] == [SnapshotWanted("resync")] and len(box) == 0
        box.put_snapshot(9, "s9")
        assert box.take() == SnapshotReady(9, "s9")
        box.put_frame("a")
        await asyncio.wait_for(box.room(), 1)  # one answer waits: room for another
        box.put_frame("b")
        # Two wait: the reader must hold off until the writer has taken one.
        waiting = asyncio.ensure_future(box.room())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        assert box.take() == "a"
        await asyncio.wait_for(waiting, 1)

    asyncio.run(scenario())


def test_a_snapshot_read_sets_where_a_quiet_site_starts() -> None:
    async def scenario() -> list[int]:
        hub = Hub(lambda site, after, limit: [], reorder_wait=0.5)
        hub.attach()
        seen = Collector()
        hub.subscribe("demo", seen)
        hub.observe("demo", 8)
        hub.publish([event(7), event(8)])  # in flight while the snapshot was read: in it
        hub.publish([event(10)])  # overtook 9 (another process's NOTIFY)
        hub.publish([event(9)])
        async with asyncio.timeout(5):
            while len(seen.seqs) < 2:
                await asyncio.sleep(0.01)
        hub.observe("demo", 3)  # only the first read sets the start
        hub.detach()
        return seen.seqs

    assert asyncio.run(scenario()) == [9, 10]


def test_an_event_becomes_one_frame_for_every_socket_of_its_office() -> None:
    class Keeper:
        def __init__(self) -> None:
            self.frames: list[str] = []

        def deliver(self, seq: int, frame: str) -> None:
            self.frames.append(frame)

    async def scenario() -> list[Keeper]:
        hub = Hub()
        hub.attach()
        keepers = [Keeper() for _ in range(5)]
        for keeper in keepers:
            hub.subscribe("demo", keeper)
        await asyncio.to_thread(hub.publish, [event(1)])  # from a command's thread
        hub.accept([Framed.from_json(json.loads(event(2).model_dump_json()))])  # a notice
        async with asyncio.timeout(5):
            while len(keepers[-1].frames) < 2:
                await asyncio.sleep(0.01)
        hub.detach()
        return keepers

    keepers = asyncio.run(scenario())
    for n in range(2):
        first = keepers[0].frames[n]
        assert all(k.frames[n] is first for k in keepers)  # the same text, not equal copies
    local, noticed = (json.loads(frame) for frame in keepers[0].frames)
    assert local == EventMessage(event=event(1)).model_dump(mode="json")
    assert noticed == EventMessage(event=event(2)).model_dump(mode="json")
