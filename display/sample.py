"""`antrean display sample`: render one call and play it, to check the loudspeaker.

An installer runs it on the Pi (or on the server, for the browser wall's
voice) and hears the chime and the sentence exactly as the wall will say
them, with the voice the settings choose. It says which voice that is and
what is missing from a voice pack.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

from antrean.audio import read_wav
from antrean.spoken import call_sentence
from display.settings import DisplaySettings


def sample_call(
    settings: DisplaySettings,
    code: str = "A123",
    counter: int = 3,
    *,
    out: Path | None = None,
    play: bool = True,
    say: Callable[[str], None] = print,
) -> Path:
    from display.parts import make_speaker, make_voice

    voice = make_voice(settings.voice)
    sentence = call_sentence(code, counter, settings.voice.wording)
    say(f"voice: {voice.name}")
    for problem in voice.problems(sentence):
        say(f"  note: {problem}")
    say(f"sentence: {sentence}")
    path = voice.render(sentence)
    say(f"rendered: {path} ({read_wav(path).seconds:.1f} s)")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
        say(f"saved: {out}")
    if play:
        speaker = make_speaker(settings.voice)
        try:
            played = asyncio.run(speaker.play(path, sentence))
            say(f"played in {played.ended - played.started:.1f} s")
        finally:
            speaker.close()
    return path
