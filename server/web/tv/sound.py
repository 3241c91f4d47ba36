"""The browser wall's calls, rendered on the server with the monitor wall's own voice code.

The same sentence, the same espeak-ng voice (or the office's voice pack) and
the same cache: a TV's browser fetches one WAV per call and plays it. A
voice pack for the browser walls is set with ANTREAN_TV_VOICE_PACK.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from antrean.spoken import call_sentence
from antrean.voice import CallVoice, Espeak, SoundMode, VoiceError, VoicePack

log = logging.getLogger(__name__)

VOICE_PACK_ENV = "ANTREAN_TV_VOICE_PACK"


class TvVoices:
    """One CallVoice per way of sounding (mode, closing chime), sharing one cache."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._espeak = Espeak.find()
        self._pack: VoicePack | None = None
        pack = os.environ.get(VOICE_PACK_ENV)
        if pack:
            try:
                self._pack = VoicePack.load(Path(pack))
            except VoiceError as error:
                log.error("%s; the browser walls use espeak-ng", error)
        self._voices: dict[tuple[SoundMode, bool], CallVoice] = {}
        self._lock = threading.Lock()  # two TVs asking for one new call render it once

    def voice(self, mode: SoundMode, closing_chime: bool) -> CallVoice:
        key = (mode, closing_chime)
        if key not in self._voices:
            self._voices[key] = CallVoice(
                self.cache_dir, pack=self._pack, espeak=self._espeak, mode=mode,
                closing_chime=closing_chime,
            )
        return self._voices[key]

    def call(
        self, code: str, counter: int, wording: str, mode: SoundMode, closing_chime: bool,
        service_names: dict[str, str], service: str,
    ) -> Path:
        sentence = call_sentence(code, counter, wording, service_names, service)
        with self._lock:
            return self.voice(mode, closing_chime).render(sentence)
