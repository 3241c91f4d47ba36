"""How a call sounds: a recorded voice pack, else espeak-ng, joined with the chime.

Best first, by what is installed:

1. a voice pack: a folder of recorded clips with a manifest (`voice.toml`),
   so an office can record its own announcer. Words the pack lacks, or whose
   clip is broken, are spoken by the synthetic voice instead (never silence),
   and `problems` says which at start;
2. espeak-ng's Indonesian voice (MBROLA `id1` when installed), speaking the
   whole sentence;
3. neither: the chime alone, and `problems` says so.

Each call becomes one WAV file (chime, sentence, closing chime) cached under
a name made from its text and the voice, so the same call is rendered once
and both the monitor wall and the browser wall can play it. Nothing is
fetched from the network.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from antrean.audio import AudioError, Pcm, chime, join, read_wav, silence, write_wav
from antrean.spoken import NUMBER_VOCABULARY, words_of

log = logging.getLogger(__name__)

MANIFEST = "voice.toml"
MBROLA_ID1 = Path("/usr/share/mbrola/id1")
ESPEAK_TIMEOUT = 20.0
WORD_GAP = 0.04  # seconds between recorded clips: joined words, not a stutter
PAUSE = 0.35  # between the chime and the sentence


class SoundMode(StrEnum):
    VOICE = "voice"  # chime, the sentence, and (if set) a closing chime
    CHIME = "chime"  # the chime only
    OFF = "off"


class VoiceError(Exception):
    """The voice cannot speak (espeak-ng failed, a manifest is unreadable)."""


@dataclass
class VoicePack:
    """Recorded clips: a phrase or word (lower case) → a WAV file in the folder.

    voice.toml:

        name = "Suara Ibu Sari"
        [clips]
        "nomor antrean" = "nomor-antrean.wav"
        "silakan menuju loket" = "silakan-menuju-loket.wav"
        a = "huruf-a.wav"
        tiga = "tiga.wav"

    Optional `chime` and `chime_end` entries replace the built-in chime.
    """

    folder: Path
    name: str
    clips: dict[str, Path]
    chimes: dict[str, Path] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # key → why

    @classmethod
    def load(cls, folder: Path) -> VoicePack:
        manifest = folder / MANIFEST
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except OSError as error:
            raise VoiceError(f"voice pack {folder}: cannot read {MANIFEST}: {error}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise VoiceError(f"voice pack {manifest}: not valid TOML: {error}") from None
        clips_table = data.get("clips", {})
        if not isinstance(clips_table, dict):
            raise VoiceError(f"voice pack {manifest}: [clips] must be a table")
        pack = cls(folder, str(data.get("name", folder.name)), {})
        for key, file in clips_table.items():
            words = " ".join(words_of(str(key)))
            if words and isinstance(file, str):
                pack.clips[words] = folder / file
        for key in ("chime", "chime_end"):
            if isinstance(data.get(key), str):
                pack.chimes[key] = folder / data[key]
        pack.check()
        return pack

    def check(self) -> None:
        """Open every clip once; the broken ones are named and left out."""
        for key, path in [*self.clips.items(), *self.chimes.items()]:
            try:
                read_wav(path)
            except AudioError as error:
                self.broken[key] = str(error)
        for key in self.broken:
            self.clips.pop(key, None)
            self.chimes.pop(key, None)

    def missing(self, words: Sequence[str]) -> list[str]:
        """Of these words, those no clip covers."""
        covered: set[str] = set()
        for key in self.clips:
            covered.update(key.split())
        return [word for word in dict.fromkeys(words) if word not in covered]

    def fingerprint(self) -> str:
        """Changes when a clip is re-recorded, so cached calls are rendered anew."""
        digest = hashlib.sha256(self.name.encode())
        for key, path in sorted([*self.clips.items(), *self.chimes.items()]):
            stat = path.stat()
            digest.update(f"{key}={path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        return digest.hexdigest()[:16]

    def cover(self, words: Sequence[str]) -> list[str | list[str]]:
        """The words as clip keys (longest phrase first), with uncovered runs as word lists."""
        longest = max((len(key.split()) for key in self.clips), default=0)
        out: list[str | list[str]] = []
        i = 0
        while i < len(words):
            for size in range(min(longest, len(words) - i), 0, -1):
                key = " ".join(words[i:i + size])
                if key in self.clips:
                    out.append(key)
                    i += size
                    break
            else:
                if out and isinstance(out[-1], list):
                    out[-1].append(words[i])
                else:
                    out.append([words[i]])
                i += 1
        return out


@dataclass(frozen=True)
class Espeak:
    """espeak-ng, speaking Indonesian; MBROLA's id1 voice when it is installed."""

    program: str
    voice: str = "id"
    speed: int = 140  # words per minute: slower than espeak's 175, for a big echoing room
    pitch: int = 45

    @classmethod
    def find(cls, speed: int = 140, voice: str | None = None) -> Espeak | None:
        program = shutil.which("espeak-ng")
        if program is None:
            return None
        if voice is None:
            voice = "mb-id1" if MBROLA_ID1.exists() else "id"
        return cls(program, voice, speed)

    def speak(self, text: str) -> Pcm:
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "speech.wav"
            command = [
                self.program, "-v", self.voice, "-s", str(self.speed), "-p", str(self.pitch),
                "-w", str(target), text,
            ]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=ESPEAK_TIMEOUT, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise VoiceError(f"espeak-ng did not run: {error}") from None
            if done.returncode != 0 or not target.exists():
                raise VoiceError(f"espeak-ng failed: {done.stderr.strip()[:200]}")
            try:
                return read_wav(target)
            except AudioError as error:
                raise VoiceError(f"espeak-ng gave no usable sound: {error}") from None


# The words any call may need from a pack, besides those of the wording itself.
LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")


class CallVoice:
    """Renders calls to cached WAV files with the best voice there is."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        pack: VoicePack | None = None,
        espeak: Espeak | None = None,
        mode: SoundMode = SoundMode.VOICE,
        closing_chime: bool = False,
    ) -> None:
        self.cache_dir = cache_dir
        self.pack = pack
        self.espeak = espeak
        self.mode = mode
        self.closing_chime = closing_chime

    @property
    def name(self) -> str:
        if self.mode is not SoundMode.VOICE:
            return self.mode.value
        if self.pack is not None:
            return f"voice pack '{self.pack.name}'" + (
                f" + espeak-ng {self.espeak.voice}" if self.espeak else ""
            )
        if self.espeak is not None:
            return f"espeak-ng {self.espeak.voice}"
        return "chime only (no voice installed)"

    def problems(self, sample_sentence: str, letters: Sequence[str] = LETTERS) -> list[str]:
        """What an installer should hear about at start: missing clips, no voice at all."""
        if self.mode is not SoundMode.VOICE:
            return []
        found = []
        if self.pack is not None:
            for key, why in sorted(self.pack.broken.items()):
                found.append(f"voice pack clip '{key}' is broken: {why}")
            needed = [*words_of(sample_sentence), *NUMBER_VOCABULARY, *letters]
            missing = self.pack.missing(needed)
            if missing:
                spoken_by = "espeak-ng speaks them" if self.espeak else "they are left out"
                found.append(f"voice pack has no clip for: {', '.join(missing)} ({spoken_by})")
        if self.pack is None and self.espeak is None:
            found.append("no voice: neither a voice pack nor espeak-ng; only the chime sounds")
        return found

    def key(self, sentence: str) -> str:
        """The cache name of a call: its text and everything that changes how it sounds."""
        parts = [
            self.mode.value, str(self.closing_chime),
            self.pack.fingerprint() if self.pack else "-",
            f"{self.espeak.voice}:{self.espeak.speed}:{self.espeak.pitch}" if self.espeak else "-",
            sentence,
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def cached(self, sentence: str) -> Path | None:
        path = self.cache_dir / f"{self.key(sentence)}.wav"
        return path if path.is_file() else None

    def render(self, sentence: str) -> Path:
        """The call's WAV file, from the cache or made now (seconds: run it off the loop)."""
        path = self.cache_dir / f"{self.key(sentence)}.wav"
        if path.is_file():
            return path
        return write_wav(path, self.sound(sentence))

    def sound(self, sentence: str) -> Pcm:
        if self.mode is SoundMode.OFF:
            return silence(0.05)
        opening = self._chime("chime", "open")
        if self.mode is SoundMode.CHIME:
            return opening
        parts = [opening, silence(PAUSE), self._speech(sentence)]
        if self.closing_chime:
            parts += [silence(PAUSE), self._chime("chime_end", "close")]
        return join(parts)

    def _chime(self, key: str, kind: str) -> Pcm:
        if self.pack is not None and key in self.pack.chimes:
            return read_wav(self.pack.chimes[key])
        return chime(kind)

    def _speech(self, sentence: str) -> Pcm:
        if self.pack is None:
            return self._synthetic(sentence)
        pieces: list[Pcm] = []
        for piece in self.pack.cover(words_of(sentence)):
            if isinstance(piece, str):
                pieces.append(read_wav(self.pack.clips[piece]))
            else:
                pieces.append(self._synthetic(" ".join(piece)))
        return join(pieces, gap=WORD_GAP)

    def _synthetic(self, text: str) -> Pcm:
        if self.espeak is None:
            return silence(0.0)
        try:
            return self.espeak.speak(text)
        except VoiceError as error:
            log.error("%s", error)
            return silence(0.0)
