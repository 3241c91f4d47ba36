"""Building the wall's parts from its settings: the voice and the speaker.

(The client is every device's: `antrean.startup.device_client`.)
"""

from __future__ import annotations

import logging

from antrean.voice import CallVoice, Espeak, SoundMode, VoiceError, VoicePack
from display.settings import VoiceSettings
from display.speaker import PygameSpeaker, RecordingSpeaker, Speaker

log = logging.getLogger(__name__)


def make_voice(settings: VoiceSettings) -> CallVoice:
    """The best voice installed: the voice pack (if set and readable), espeak-ng, or none."""
    pack = None
    if settings.voice_pack is not None and settings.mode is SoundMode.VOICE:
        try:
            pack = VoicePack.load(settings.voice_pack)
        except VoiceError as error:
            log.error("%s; the synthetic voice speaks instead", error)
    espeak = Espeak.find(settings.speed, settings.espeak_voice)
    return CallVoice(
        settings.cache_dir, pack=pack, espeak=espeak, mode=settings.mode,
        closing_chime=settings.closing_chime,
    )


def make_speaker(settings: VoiceSettings) -> Speaker:
    """The loudspeaker through SDL; without a sound device, a speaker that only records."""
    if settings.mode is SoundMode.OFF:
        return RecordingSpeaker()
    try:
        return PygameSpeaker(settings.volume, settings.audio_driver)
    except Exception as error:  # pygame.error: no sound device at all
        log.error("no sound device (%s): calls are shown but not heard", error)
        return RecordingSpeaker()
