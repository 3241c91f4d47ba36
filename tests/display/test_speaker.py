"""The real loudspeaker path: pygame's mixer on SDL's `disk` audio driver.

The driver writes what the sound card would get to a file, in real time, so
the clips' timing is real: each plays for its length, one after another.
"""

from __future__ import annotations

import asyncio
import itertools
from array import array
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from antrean.audio import chime, join, read_wav, silence, write_wav
from display.speaker import PygameSpeaker


@pytest.fixture
def disk_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "sound-card.raw"
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(out))
    monkeypatch.delenv("SDL_DISKAUDIODELAY", raising=False)  # real time
    return out


def test_clips_play_whole_one_after_another(tmp_path: Path, disk_audio: Path) -> None:
    clips = []
    for n, kind in enumerate(["open", "close", "open"]):
        clips.append(write_wav(tmp_path / f"clip{n}.wav",
                               join([chime(kind), silence(0.1 * n)])))
    speaker = PygameSpeaker()

    async def scenario() -> None:
        # Asked all at once (as a burst would): the speaker still plays them in turn.
        await asyncio.gather(*(speaker.play(path, path.stem) for path in clips))

    _play_and_check_turns(speaker, scenario(), clips)
    samples = array("h", disk_audio.read_bytes())
    assert len(samples) / 2 / 22050 >= sum(read_wav(c).seconds for c in clips) - 0.2
    assert max(samples) > 8000  # the chimes reached the "sound card"


def test_clips_asked_for_while_one_plays_keep_their_turn(
    tmp_path: Path, disk_audio: Path
) -> None:
    """Calls arrive at odd moments while a clip plays; each waits for the one before
    to end, in the order asked, and each clip's end is its own, not the next one's."""
    clips = [
        write_wav(tmp_path / f"call{n}.wav", join([chime("open"), silence(0.05 * n)]))
        for n in range(4)
    ]
    speaker = PygameSpeaker()

    async def scenario() -> None:
        asked = []
        for n, path in enumerate(clips):
            asked.append(asyncio.create_task(speaker.play(path, path.stem)))
            # Out of step with the speaker's own polling, as a real call would be.
            await asyncio.sleep(0.003 + 0.0025 * n)
        await asyncio.gather(*asked)

    _play_and_check_turns(speaker, scenario(), clips)


def _play_and_check_turns(
    speaker: PygameSpeaker, scenario: Coroutine[Any, Any, None], clips: list[Path]
) -> None:
    """Run the scenario; the clips must have played in the order given, whole, each
    after the one before had ended."""
    try:
        asyncio.run(scenario)
    finally:
        speaker.close()
    played = speaker.played
    assert [p.path for p in played] == clips
    for earlier, later in itertools.pairwise(played):
        assert later.started >= earlier.ended
    for entry in played:
        length = read_wav(entry.path).seconds
        assert length - 0.05 <= entry.ended - entry.started <= length + 0.6
