"""The spoken call: each call announced once, in order, and only while it is news.

A call is known by (ticket, call count): a recall raises the count and is a
new call. The announcer hears of calls from every picture the client keeps,
whether a delta brought the call or only a new snapshot (after a server
restart a call committed just before the crash arrives that way), and treats
both alike:

- a call it has seen before is never spoken again, across reconnects;
- a call older than `fresh_seconds` (by the server's clock) when first seen
  is shown but not spoken: after an outage the room does not hear a minute
  of stale numbers;
- new calls are queued oldest first and spoken one after another, never over
  each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from antrean.spoken import call_sentence
from antrean.voice import CallVoice
from display.clock import ServerClock
from display.model import Call
from display.speaker import Speaker

log = logging.getLogger(__name__)

REMEMBERED = 2000  # calls remembered as seen: far more than any snapshot lists


@dataclass(frozen=True)
class Announcement:
    call: Call
    sentence: str


class Announcer:
    def __init__(
        self,
        voice: CallVoice,
        speaker: Speaker,
        clock: ServerClock,
        *,
        wording: str,
        fresh_seconds: float = 60.0,
        repeat: int = 1,
        service_names: Callable[[], dict[str, str]] = dict,
        on_spoken: Callable[[Announcement], None] | None = None,
        on_skipped: Callable[[Call, str], None] | None = None,
    ) -> None:
        self.voice = voice
        self.speaker = speaker
        self.clock = clock
        self.wording = wording
        self.fresh_seconds = fresh_seconds
        self.repeat = repeat
        self._service_names = service_names
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._queue: asyncio.Queue[Call] = asyncio.Queue()
        self._on_spoken = on_spoken
        self._on_skipped = on_skipped
        self.spoken = 0
        self.speaking: Call | None = None

    def consider(self, calls: Iterable[Call]) -> list[Call]:
        """Queue the calls not seen before that are still fresh; returns those queued."""
        queued = []
        for call in sorted(calls, key=lambda c: (c.at, c.ticket_id, c.call_count)):
            if call.identity in self._seen:
                continue
            self._seen[call.identity] = None
            if len(self._seen) > REMEMBERED:
                self._seen.popitem(last=False)
            age = self.clock.age(call.at)
            if age > self.fresh_seconds:
                log.info("call %s (loket %d) is %.0f s old: shown, not spoken",
                         call.code, call.counter, age)
                if self._on_skipped is not None:
                    self._on_skipped(call, "stale")
                continue
            self._queue.put_nowait(call)
            queued.append(call)
        return queued

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def sentence(self, call: Call) -> str:
        return call_sentence(
            call.code, call.counter, self.wording, self._service_names(), call.service
        )

    async def prepare(self, sentence: str) -> None:
        """Render a call's sound now (it is cached for when the call comes)."""
        await asyncio.to_thread(self.voice.render, sentence)

    async def run(self) -> None:
        while True:
            call = await self._queue.get()
            self.speaking = call
            try:
                await self._announce(call)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("announcing %s failed", call.code)
            finally:
                self.speaking = None

    async def _announce(self, call: Call) -> None:
        sentence = self.sentence(call)
        path = await asyncio.to_thread(self.voice.render, sentence)
        for _ in range(self.repeat):
            await self.speaker.play(path, sentence)
        self.spoken += 1
        log.info("announced %s → loket %d", call.code, call.counter)
        if self._on_spoken is not None:
            self._on_spoken(Announcement(call, sentence))
