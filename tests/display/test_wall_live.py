"""The wall against a real server process: what the room sees and hears.

Every call is announced once, in order, never over another; a recall is
announced again; after the server is killed mid-burst and started again,
every committed call is spoken exactly once and nothing older is replayed.
The pictures are read back with Tesseract at every supported size.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

from antrean.audio import read_wav
from antrean.client import ConnectionState
from display.layout import layout_for
from server.admin import revoke_device
from tests.browser import picture_path
from tests.display.conftest import Office, Wall, running_wall
from tests.display.ocr import as_code, read_box

SIZES = [(1920, 1080), (1366, 768), (1280, 720), (1080, 1920)]


def no_overlap(wall: Wall) -> bool:
    played = wall.speaker.played
    return wall.speaker.overlaps == 0 and all(
        later.started >= earlier.ended for earlier, later in itertools.pairwise(played)
    )


def test_a_call_reaches_the_screen_and_reads_back_at_every_size(
    office: Office, tmp_path: Path
) -> None:
    office.issue("B", 6)
    office.call_next(3)  # an earlier call, for the list
    pictures = {}

    async def scenario(size: tuple[int, int]) -> None:
        async with running_wall(office.server.url, office.tokens["display"], tmp_path,
                                size=size) as wall:
            called = await asyncio.to_thread(office.call_next, 2)
            await wall.until(lambda: wall.shows(called["code"]))
            # The flash shows dark digits on yellow; the picture is of the steady state.
            await wall.until(lambda: not wall.frames[-1].scene.flash_on, timeout=5)
            name = f"display-{size[0]}x{size[1]}.png"
            pictures[size] = (called["code"], wall.screen.save(picture_path(name, tmp_path)))

    for size in SIZES:
        asyncio.run(scenario(size))
    for size, (code, picture) in pictures.items():
        layout = layout_for(*size)
        assert as_code(read_box(picture, layout.hero.code), letters=1) == code, size
        assert read_box(picture, layout.hero.counter) == "2", size


def test_a_burst_is_spoken_in_order_without_overlap_and_a_recall_again(
    office: Office, tmp_path: Path
) -> None:
    office.issue("A", 5)

    async def scenario() -> tuple[Wall, list[tuple[str, int]]]:
        async with running_wall(office.server.url, office.tokens["display"], tmp_path) as wall:
            called = [office.call_next(counter) for counter in (1, 2, 1, 2, 1)]
            # A005 is at counter 1 now (its call finished A003): the officer calls it again.
            recalled = office.recall(called[4]["id"])
            expected = [(c["code"], 1) for c in called] + [(recalled["code"], 2)]
            await wall.until(lambda: len(wall.spoken) >= 6, timeout=90)
            await asyncio.sleep(0.3)  # nothing more comes
            return wall, expected

    wall, expected = asyncio.run(scenario())
    assert wall.spoken_codes() == expected
    assert [a.sentence for a in wall.spoken][:2] == [
        "Nomor antrean A satu, silakan menuju loket satu.",
        "Nomor antrean A dua, silakan menuju loket dua.",
    ]
    assert no_overlap(wall)
    for played in wall.speaker.played:  # each clip: valid audio of real length
        assert read_wav(played.path).seconds > 2.0


def test_server_killed_mid_burst_every_committed_call_spoken_exactly_once(
    office: Office, tmp_path: Path
) -> None:
    office.issue("C", 6)  # counters 1, 3 and 4 all serve C
    first = office.call_next(1)  # before the wall starts, within the freshness window

    async def scenario() -> tuple[Wall, list[str]]:
        async with running_wall(office.server.url, office.tokens["display"], tmp_path) as wall:
            await wall.until(lambda: bool(wall.spoken))  # the fresh call at start
            committed = [first["code"]]
            for counter in (3, 4):
                committed.append(office.call_next(counter)["code"])
            committed.append(office.call_next(1)["code"])
            office.server.kill()  # right after its answer: its delta may never leave
            await wall.until(lambda: wall.app.client.state is not ConnectionState.ONLINE)
            # While the server is down the office goes on: this call reaches the wall only
            # inside the snapshot of the restarted server.
            committed.append(office.call_past_server(3))
            await asyncio.to_thread(office.server.start)
            await wall.app.client.wait_online(20)
            committed.append(office.call_next(4)["code"])
            await wall.until(lambda: len(wall.spoken) >= len(committed), timeout=90)
            await asyncio.sleep(1.0)  # a replay would show now
            return wall, committed

    wall, committed = asyncio.run(scenario())
    assert [code for code, _ in wall.spoken_codes()] == committed
    assert len(committed) == 6
    assert no_overlap(wall)


def test_calls_older_than_the_window_are_shown_not_spoken(office: Office, tmp_path: Path) -> None:
    office.issue("A", 3)

    async def scenario() -> Wall:
        async with running_wall(office.server.url, office.tokens["display"], tmp_path,
                                voice={"fresh_seconds": 2}) as wall:
            office.server.kill()
            await wall.until(lambda: wall.app.client.state is not ConnectionState.ONLINE)
            stale = office.call_past_server(1)
            await asyncio.sleep(2.5)
            await asyncio.to_thread(office.server.start)
            await wall.app.client.wait_online(20)
            fresh = (await asyncio.to_thread(office.call_next, 2))["code"]
            await wall.until(lambda: wall.shows(fresh))
            await wall.until(lambda: bool(wall.spoken))
            await asyncio.sleep(1.0)
            model = wall.frames[-1].scene.model
            assert model is not None and [c.code for c in model.recent] == [stale]
            return wall

    wall = asyncio.run(scenario())
    assert wall.spoken_codes() == [("A002", 1)]


def test_offline_keeps_the_picture_and_the_clock(office: Office, tmp_path: Path) -> None:
    office.issue("C", 1)
    office.call_next(1)

    async def scenario() -> None:
        async with running_wall(office.server.url, office.tokens["display"], tmp_path) as wall:
            await wall.until(lambda: wall.shows("C001"))
            office.server.kill()
            await wall.until(lambda: wall.frames[-1].scene.state is ConnectionState.OFFLINE)
            before = wall.frames[-1].scene.now
            await asyncio.sleep(1.2)
            after = wall.frames[-1].scene
            assert after.now > before  # the clock runs on
            assert after.model is not None and after.model.latest is not None
            assert after.model.latest.code == "C001"  # the last state is kept
            status = wall.app.painter.layout.status
            edge = (status.x + status.w // 20 + 4, status.y + status.h // 2)  # the mark, not text
            pixel = wall.screen.canvas.get_at(edge)
            assert pixel.r > 150 and pixel.g < 100  # the red offline mark
            wall.screen.save(picture_path("display-offline.png", tmp_path))

    asyncio.run(scenario())


def test_a_revoked_display_gets_a_full_screen_message(office: Office, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from server.store import accounts

    with office.db.writing() as work:
        [device] = accounts.devices(work, name="display2")
        revoke_device(work, device.id, datetime.now(UTC))

    async def scenario() -> None:
        async with running_wall(office.server.url, office.tokens["display2"], tmp_path,
                                online=False) as wall:
            await wall.until(lambda: wall.frames[-1].scene.refusal is not None
                             if wall.frames else False)
            refusal = wall.frames[-1].scene.refusal
            assert refusal is not None
            assert refusal.title == "Akses layar ini sudah dicabut"
            assert "antrean device add --site demo --kind display" in refusal.fix
            started = time.monotonic()
            wall.screen.save(picture_path("display-refused.png", tmp_path))
            assert time.monotonic() - started < 5

    asyncio.run(scenario())
