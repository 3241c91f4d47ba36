"""The wall fits every screen: nothing overflows or overlaps, the number stays huge.

The painter draws the real wall (SDL offscreen) for the demo office, for an
office with 24 counters and 60-character service names, and for one counter
alone; a typesetter that records every text it draws checks each against
its box.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pygame
import pytest

from antrean.client import ConnectionState
from antrean.protocol import (
    CallView,
    CounterView,
    QueueSnapshot,
    ServiceState,
    SiteInfo,
    TicketView,
)
from antrean.vocabulary import CounterState, Priority, TicketStatus
from display.layout import Box, layout_for, tile_grid
from display.model import Filters, ticker_items, wall_model
from display.painter import ACCENT, Painter, Scene
from display.text import Typesetter

SIZES = [(1920, 1080), (1366, 768), (1280, 720), (1080, 1920)]
NOW = datetime(2026, 12, 1, 2, 5, 30, tzinfo=UTC)
LONG_NAME = "Pelayanan Administrasi Kependudukan dan Pencatatan Sipil D"


def office(counters: int, long_names: bool = False) -> QueueSnapshot:
    names = ["KTP & Kartu Keluarga", "Akta Kelahiran & Kematian", "Surat Keterangan",
             "Perizinan", "Informasi & Pengaduan"]
    if long_names:
        names = [f"{LONG_NAME} {n}" for n in range(5)]
        assert {len(name) for name in names} == {60}
    services = [
        ServiceState(code=code, name=names[i], requirements="KTP, KK, surat pengantar RT/RW.",
                     active=True, accepting=True, waiting=i * 3, issued_today=9,
                     estimated_wait_minutes=12.0 * i)
        for i, code in enumerate("ABCDE")
    ]
    rows = []
    for n in range(1, counters + 1):
        current = TicketView(
            id=n, code=f"A{n:03d}", service="A", priority=Priority.NONE,
            status=TicketStatus.SERVING, counter=n, issued_at=NOW, called_at=NOW, call_count=1,
        )
        rows.append(CounterView(number=n, name=f"Loket {n}", state=CounterState.OPEN,
                                services=list("ABCDE"), current=current))
    calls = [
        CallView(ticket_id=n, code=f"A{n:03d}", service="A", counter=n, at=NOW - timedelta(
            seconds=20 * (counters - n)), call_count=1)
        for n in range(max(1, counters - 9), counters + 1)
    ]
    site = SiteInfo(
        code="demo", name="Kantor Kecamatan Samarinda Seberang, Kota Samarinda" if long_names
        else "Kantor Kecamatan Demo", timezone="Asia/Makassar", local_day=date(2026, 12, 1),
        local_time=NOW,
    )
    return QueueSnapshot(seq=1, site=site, services=services, counters=rows, waiting=[],
                         recent_calls=calls, announcements=["Siapkan berkas persyaratan."])


class RecordingTypesetter(Typesetter):
    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[tuple[str, Box, list[str]]] = []

    def draw_line(self, canvas: Any, text: str, style: Any, box: Box, *args: Any,
                  **kwargs: Any) -> Any:
        drawn = super().draw_line(canvas, text, style, box, *args, **kwargs)
        if text:
            inked = Box(drawn.x, drawn.y, drawn.w, drawn.h)
            self.drawn.append((text, inked, [text]))
            assert drawn.width <= box.w, f"{text!r} is wider than its box"
        return drawn

    def draw_block(self, canvas: Any, text: str, style: Any, box: Box, *args: Any,
                   **kwargs: Any) -> None:
        super().draw_block(canvas, text, style, box, *args, **kwargs)
        size, lines = self.block(text, style, box.w, box.h, kwargs.get("max_lines", 2),
                                 kwargs.get("largest"))
        font = self.font(style, size)
        assert all(font.size(line)[0] <= box.w for line in lines), text
        assert font.get_linesize() * len(lines) <= box.h or size == 9, text
        self.drawn.append((text, box, lines))


@pytest.fixture(scope="module", autouse=True)
def offscreen() -> Any:
    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    pygame.display.init()
    yield
    pygame.display.quit()


def paint(size: tuple[int, int], snapshot: QueueSnapshot, **scene: Any) -> tuple[
    pygame.Surface, Painter, RecordingTypesetter
]:
    canvas = pygame.display.set_mode(size)
    typesetter = RecordingTypesetter()
    painter = Painter(size, typesetter)
    model = wall_model(snapshot)
    painter.paint(canvas, Scene(now=NOW, state=ConnectionState.ONLINE, model=model,
                                ticker=tuple(ticker_items(model, 0)), **scene))
    return canvas, painter, typesetter


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("slides", [False, True], ids=["", "slides"])
def test_panels_fill_the_screen_without_overlap(size: tuple[int, int], slides: bool) -> None:
    layout = layout_for(*size, slides=slides)
    screen = Box(0, 0, *size)
    panels = layout.panels()
    assert all(screen.contains(p) for p in panels)
    for a, b in itertools.combinations(panels, 2):
        assert not a.overlaps(b), (a, b)
    area = sum(p.w * p.h for p in panels)
    assert area > 0.8 * size[0] * size[1]  # planned, not sparse


@pytest.mark.parametrize("count", [1, 4, 7, 12, 24])
def test_tiles_never_overlap_and_stay_inside(count: int) -> None:
    area = Box(10, 500, 1100, 450)
    tiles = tile_grid(area, count, 12)
    assert len(tiles) == count
    assert all(area.contains(t) for t in tiles)
    for a, b in itertools.combinations(tiles, 2):
        assert not a.overlaps(b)
    if count == 1:
        assert tiles[0] == area  # one counter fills the space rather than look lost


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize(("counters", "long_names"), [(4, False), (24, True), (1, False)],
                         ids=["demo", "24-long", "one"])
def test_every_text_fits_its_box_and_the_number_is_huge(
    size: tuple[int, int], counters: int, long_names: bool
) -> None:
    canvas, painter, typesetter = paint(size, office(counters, long_names))
    texts = {text for text, _, _ in typesetter.drawn}
    latest = f"A{counters:03d}"
    assert latest in texts and "NOMOR ANTREAN" in texts
    assert sum(1 for t in texts if t.startswith("LOKET ")) >= min(counters, 24)
    for text, _box, lines in typesetter.drawn:
        if text.startswith(("A ·", "B ·")):  # a service's name: whole, wrapped not cut
            assert " ".join(lines).replace("…", "") == text, lines
    # Texts never overlap (lines: where their pixels went; blocks: their boxes).
    boxes = [(t, b) for t, b, _ in typesetter.drawn if b.w and b.h]
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        assert not a.overlaps(b) or a == b, (ta, a, tb, b)
    # The called number, measured in pixels: its capitals are at least the minimum.
    hero = painter.layout.hero.code
    rows_with_number = [
        y for y in range(hero.y, hero.bottom)
        if any(canvas.get_at((x, y))[:3] == ACCENT for x in range(hero.x, hero.right, 3))
    ]
    height = rows_with_number[-1] - rows_with_number[0] + 1
    assert height >= painter.layout.min_number_height, (height, painter.layout.min_number_height)


def test_a_wall_for_one_floor_shows_only_its_services_and_counters() -> None:
    snapshot = office(6)
    model = wall_model(snapshot, Filters(frozenset({"A"}), frozenset({2, 3})))
    assert [t.counter for t in model.tiles] == [2, 3]
    assert [s.code for s in model.services] == ["A"]
    assert model.latest is not None and model.latest.counter == 3
    assert {c.counter for c in model.recent} <= {2, 3}


def test_a_clock_tick_redraws_only_the_clock() -> None:
    size = (1920, 1080)
    canvas = pygame.display.set_mode(size)
    painter = Painter(size)
    model = wall_model(office(4))
    scene = Scene(now=NOW, state=ConnectionState.ONLINE, model=model)
    assert painter.paint(canvas, scene) == [canvas.get_rect()]
    later = Scene(now=NOW + timedelta(seconds=1), state=ConnectionState.ONLINE, model=model)
    assert painter.paint(canvas, later) == [pygame.Rect(painter.layout.clock)]
    assert painter.paint(canvas, later) == []
