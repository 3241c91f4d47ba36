"""Sound as plain samples: reading and writing WAV files, joining clips, the chime.

Everything is brought to one format (16-bit mono at 22 050 Hz, what espeak-ng
speaks) so that recorded clips, synthetic words and the chime can be joined
into one file per call. Only the standard library is used: the server renders
the browser wall's calls with it too, and a Pi needs nothing more.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import wave
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

RATE = 22050
PEAK = 32767


class AudioError(ValueError):
    """A sound file that cannot be used (not WAV, empty, an unknown sample format)."""


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples at RATE."""

    samples: array[int]

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE

    def __add__(self, other: Pcm) -> Pcm:
        return Pcm(self.samples + other.samples)


def silence(seconds: float) -> Pcm:
    return Pcm(array("h", bytes(2 * round(seconds * RATE))))


def join(parts: Iterable[Pcm], gap: float = 0.0) -> Pcm:
    out = array("h")
    pause = silence(gap).samples
    for number, part in enumerate(parts):
        if number and gap:
            out.extend(pause)
        out.extend(part.samples)
    return Pcm(out)


def read_wav(path: Path) -> Pcm:
    """A WAV file in the common format; an AudioError says what is wrong with it."""
    try:
        with wave.open(str(path), "rb") as file:
            channels, width, rate = file.getnchannels(), file.getsampwidth(), file.getframerate()
            data = file.readframes(file.getnframes())
    except (wave.Error, EOFError) as error:
        raise AudioError(f"{path.name}: not a WAV file ({error})") from None
    except OSError as error:
        raise AudioError(f"{path.name}: {error.strerror or error}") from None
    if not data:
        raise AudioError(f"{path.name}: no sound in it")
    samples = _to_16_bit(data, width, path)
    if channels > 1:
        samples = array("h", (
            sum(samples[i:i + channels]) // channels for i in range(0, len(samples), channels)
        ))
    if rate != RATE:
        samples = _resample(samples, rate)
    return Pcm(samples)


def _to_16_bit(data: bytes, width: int, path: Path) -> array[int]:
    if width == 2:
        samples = array("h", data[: len(data) // 2 * 2])
        if sys.byteorder == "big":
            samples.byteswap()
        return samples
    if width == 1:  # unsigned 8-bit
        return array("h", ((b - 128) << 8 for b in data))
    if width in (3, 4):  # little-endian; keep the top two bytes
        return array("h", (
            int.from_bytes(data[i + width - 2:i + width], "little", signed=True)
            for i in range(0, len(data) - width + 1, width)
        ))
    raise AudioError(f"{path.name}: {8 * width}-bit samples are not supported")


def _resample(samples: array[int], rate: int) -> array[int]:
    """Linear interpolation: good enough for speech, and clips are seconds long."""
    count = max(1, round(len(samples) * RATE / rate))
    step = rate / RATE
    last = len(samples) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        position = i * step
        left = min(int(position), last)
        right = min(left + 1, last)
        fraction = position - left
        out[i] = round(samples[left] + (samples[right] - samples[left]) * fraction)
    return out


def write_wav(path: Path, pcm: Pcm) -> Path:
    """Written whole or not at all (a temporary file renamed), so a cache never holds half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw, wave.open(raw, "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(RATE)
            samples = pcm.samples
            if sys.byteorder == "big":
                samples = array("h", samples)
                samples.byteswap()
            file.writeframes(samples.tobytes())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def wav_bytes(pcm: Pcm) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_wav(Path(folder) / "sound.wav", pcm).read_bytes()


def loudness(pcm: Pcm) -> float:
    """Root mean square of the samples, 0 (silence) to 1 (full scale)."""
    if not pcm.samples:
        return 0.0
    return math.sqrt(sum(s * s for s in pcm.samples) / len(pcm.samples)) / PEAK


# The chime: two bell-like notes, falling (attention) or rising (the call is over).
_NOTES = {"open": (659.25, 523.25), "close": (523.25, 659.25)}


def chime(kind: str = "open", volume: float = 0.6) -> Pcm:
    first, second = _NOTES[kind]
    return join([_bell(first, 0.55, volume), _bell(second, 0.9, volume)])


def _bell(frequency: float, seconds: float, volume: float) -> Pcm:
    count = round(seconds * RATE)
    attack = round(0.01 * RATE)
    out = array("h", bytes(2 * count))
    for i in range(count):
        t = i / RATE
        envelope = math.exp(-4.0 * t / seconds) * min(1.0, i / attack)
        tone = (
            math.sin(2 * math.pi * frequency * t)
            + 0.35 * math.sin(2 * math.pi * 2 * frequency * t)
            + 0.12 * math.sin(2 * math.pi * 3 * frequency * t)
        ) / 1.47
        out[i] = round(PEAK * volume * envelope * tone)
    return Pcm(out)
