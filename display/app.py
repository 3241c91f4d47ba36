"""The monitor wall program: the office's state on the screen, its calls on the loudspeaker.

One asyncio loop runs everything. The DeviceClient's own task owns the
socket and keeps the snapshot; the render loop only reads that snapshot
(through `wall_model`) and draws what changed; the announcer's task speaks
calls one at a time. Nothing here waits on the network: a lost server leaves
the last picture on the screen, marked offline, with the clock running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygame

import antrean
from antrean.client import ClientUpdate, ConnectionState, DeviceClient
from antrean.health import DeviceHealth, keep_reporting
from antrean.protocol import QueueSnapshot
from antrean.spoken import call_sentence
from antrean.voice import CallVoice
from display.announcer import Announcement, Announcer
from display.clock import ServerClock
from display.model import Filters, WallModel, calls_of, ticker_items, wall_model
from display.painter import Painter, Refusal, Scene
from display.screen import Screen
from display.settings import DisplaySettings
from display.speaker import Speaker

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}
FLASH_HZ = 1.5  # below 3 Hz: no risk for people sensitive to flashing light
SETTLED_FRAME = 1.0  # seconds between frames when nothing moves (the clock's second)


@dataclass(frozen=True)
class Frame:
    """What one frame showed: for the tests, the demo's pictures and the benchmark."""

    number: int
    scene: Scene
    rects: list[pygame.Rect]
    shown_at: float  # time.monotonic() right after the screen was updated


REFUSALS = {
    "not_authenticated": (
        "Token layar tidak dikenal oleh server",
        "Buat token layar di server: antrean device add --site {site} --kind display, "
        "lalu isi token itu di /etc/antrean/display.toml (atau ANTREAN_DISPLAY_TOKEN) "
        "dan nyalakan ulang layar.",
    ),
    "device_revoked": (
        "Akses layar ini sudah dicabut",
        "Minta admin membuat token layar baru (antrean device add --site {site} --kind "
        "display) dan pasang di /etc/antrean/display.toml.",
    ),
    "site_not_found": (
        "Kantor '{site}' tidak ada di server",
        "Periksa 'site' dan 'server_url' di /etc/antrean/display.toml.",
    ),
    "forbidden": (
        "Layar ini tidak berhak menampilkan kantor '{site}'",
        "Periksa 'site' di /etc/antrean/display.toml: token ini milik kantor lain.",
    ),
    "protocol_mismatch": (
        "Versi program layar tidak cocok dengan server",
        "Perbarui program antrean di layar ini ke versi server.",
    ),
}


def refusal_for(code: str, message: str, site: str) -> Refusal:
    title, fix = REFUSALS.get(code, ("Server menolak layar ini", "Hubungi admin kantor."))
    return Refusal(
        title=title.format(site=site),
        message=f"{message} ({code})" if message else code,
        fix=fix.format(site=site),
    )


def images_in(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


class DisplayApp:
    def __init__(
        self,
        settings: DisplaySettings,
        client: DeviceClient,
        screen: Screen,
        speaker: Speaker,
        voice: CallVoice,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.client = client
        self.screen = screen
        self.speaker = speaker
        self.voice = voice
        self.monotonic = monotonic
        wall = settings.wall
        self.filters = Filters(frozenset(wall.services), frozenset(wall.counters))
        self.server_clock = ServerClock(monotonic)
        self.slides = images_in(wall.slides)
        self.painter = Painter(screen.size, logo=_load_image(wall.logo), slides=self.slides)
        self.announcer = Announcer(
            voice, speaker, self.server_clock,
            wording=settings.voice.wording,
            fresh_seconds=settings.voice.fresh_seconds,
            repeat=settings.voice.repeat,
            service_names=self._service_names,
            on_spoken=self._spoken,
        )
        self.problems = voice.problems(call_sentence("A123", 3, settings.voice.wording))
        self.model: WallModel | None = None
        self._snapshot: QueueSnapshot | None = None
        self._latest_identity: tuple[int, int] | None = None
        self._flash_from = self._flash_until = float("-inf")
        self._ticker_turn = 0
        self._ticker_started = monotonic()
        self._started = monotonic()
        self._changed = asyncio.Event()
        self._frame_watchers: list[Callable[[Frame], None]] = []
        self._spoken_watchers: list[Callable[[Announcement], None]] = []
        self.frame_number = 0
        self._health_due = asyncio.Event()

    # Watching (tests, the demo's pictures, the benchmark).

    def on_frame(self, callback: Callable[[Frame], None]) -> None:
        self._frame_watchers.append(callback)

    def on_spoken(self, callback: Callable[[Announcement], None]) -> None:
        self._spoken_watchers.append(callback)

    # The main loop.

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        for problem in self.problems:
            log.warning("voice: %s", problem)
        log.info("voice: %s; screen %dx%d", self.voice.name, *self.screen.size)
        unsubscribe = self.client.on_change(self._client_changed)
        await self.client.start()
        workers = [
            asyncio.create_task(self.announcer.run(), name="display announcer"),
            asyncio.create_task(self._report_health_loop(), name="display health"),
        ]
        try:
            await self._render_loop(stop)
        finally:
            unsubscribe()
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self.client.stop()

    async def _render_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.screen.quit_requested():
                stop.set()
                break
            self.render()
            moving = self._moving()
            delay = 1 / self.settings.screen.fps if moving else self._until_next_second()
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._changed.wait()

    def render(self) -> Frame:
        """Draw one frame now and show what changed."""
        scene = self.scene()
        rects = self.painter.paint(self.screen.canvas, scene)
        if rects:
            self.screen.show(rects)
        self.frame_number += 1
        frame = Frame(self.frame_number, scene, rects, self.monotonic())
        for watcher in list(self._frame_watchers):
            watcher(frame)
        return frame

    def scene(self) -> Scene:
        now = self.monotonic()
        state = self.client.state
        refusal = None
        if state is ConnectionState.REFUSED and self.client.refusal is not None:
            r = self.client.refusal
            refusal = refusal_for(r.code, r.message.id, self.settings.site)
        model = self.model
        flash_on = (
            self._flash_from <= now < self._flash_until
            and int((now - self._flash_from) * 2 * FLASH_HZ) % 2 == 0
        )
        items = tuple(ticker_items(model, self._ticker_turn)) if model else ()
        if self.problems and model is not None:
            items = (*items, *(f"[layar] {p}" for p in self.problems))
        offset = 0
        if items:
            strip = self.painter.ticker_strip(items).get_width()
            scale = self.screen.size[1] / 1080
            offset = int((now - self._ticker_started) * self.settings.wall.ticker_speed * scale)
            if offset >= strip:
                self._ticker_turn += 1
                self._ticker_started = now
                offset = 0
        return Scene(
            now=self.server_clock.now(),
            state=state,
            model=model,
            flash_on=flash_on,
            ticker=items,
            ticker_offset=offset,
            slide=int((now - self._started) // self.settings.wall.slide_seconds),
            refusal=refusal,
            server=self.settings.server_url,
        )

    def _moving(self) -> bool:
        model = self.model
        flashing = self.monotonic() < self._flash_until
        return model is not None and (flashing or bool(model.announcements or model.requirements))

    def _until_next_second(self) -> float:
        now = self.server_clock.now()
        return max(0.02, 1 - now.microsecond / 1_000_000)

    # The connection.

    def _client_changed(self, update: ClientUpdate) -> None:
        snapshot = update.snapshot
        if update.kind == "snapshot" and snapshot is not None:
            self.server_clock.tell(snapshot.site.local_time, snapshot.site.timezone)
        elif update.kind == "event" and update.event is not None:
            self.server_clock.tell(update.event.at)
        if snapshot is not None and snapshot is not self._snapshot:
            self._snapshot = snapshot
            self._show(snapshot)
        if update.kind == "state":
            self._health_due.set()
        self._changed.set()

    def _show(self, snapshot: QueueSnapshot) -> None:
        wall = self.settings.wall
        self.model = wall_model(
            snapshot, self.filters, title=wall.title, recent_count=wall.recent_calls,
            extra_announcements=wall.announcements, show_requirements=wall.show_requirements,
        )
        latest = self.model.latest
        if latest is not None and latest.identity != self._latest_identity:
            self._latest_identity = latest.identity
            if self.server_clock.age(latest.at) <= self.settings.voice.fresh_seconds:
                self._flash_from = self.monotonic()
                self._flash_until = self._flash_from + self.settings.wall.flash_seconds
        self.announcer.consider(calls_of(snapshot, self.filters))

    def _service_names(self) -> dict[str, str]:
        snapshot = self._snapshot
        return {s.code: s.name for s in snapshot.services} if snapshot else {}

    def _spoken(self, announcement: Announcement) -> None:
        for watcher in list(self._spoken_watchers):
            watcher(announcement)

    # Health.

    def health(self) -> DeviceHealth:
        w, h = self.screen.size
        return DeviceHealth(
            version=antrean.__version__,
            uptime_seconds=max(0.0, self.monotonic() - self._started),
            detail="; ".join(self.problems)[:300] or None,
            extra={
                "screen": f"{w}x{h}",
                "voice": self.voice.name[:100],
                "calls_spoken": self.announcer.spoken,
                "frames": self.frame_number,
            },
        )

    async def _report_health_loop(self) -> None:
        await keep_reporting(
            self.health, self.client.report_health,
            every=self.settings.health_report_seconds, due=self._health_due, log=log,
        )


def _load_image(path: Path | None) -> pygame.Surface | None:
    if path is None:
        return None
    try:
        return pygame.image.load(str(path))
    except (pygame.error, OSError) as error:
        log.warning("logo %s cannot be shown: %s", path, error)
        return None

