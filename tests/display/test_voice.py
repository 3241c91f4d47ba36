"""The call's sound: espeak-ng, a recorded voice pack with gaps, the chime, the cache."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

import pytest

from antrean.audio import RATE, AudioError, Pcm, chime, loudness, read_wav, write_wav
from antrean.spoken import call_sentence
from antrean.voice import CallVoice, Espeak, SoundMode, VoiceError, VoicePack

SENTENCE = call_sentence("A123", 3)


@pytest.fixture(scope="module")
def espeak() -> Espeak:
    found = Espeak.find()
    assert found is not None, "espeak-ng is missing: scripts/test.sh installs it"
    return found


def test_espeak_renders_a_valid_cached_wav(tmp_path: Path, espeak: Espeak) -> None:
    voice = CallVoice(tmp_path, espeak=espeak)
    path = voice.render(SENTENCE)
    with wave.open(str(path), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (1, 2, RATE)
        seconds = file.getnframes() / RATE
    assert 4.0 < seconds < 15.0
    assert loudness(read_wav(path)) > 0.02
    made = path.stat().st_mtime_ns
    assert voice.render(SENTENCE) == path and path.stat().st_mtime_ns == made  # from the cache
    assert voice.cached(SENTENCE) == path
    other = voice.render(call_sentence("A124", 3))
    assert other != path, "the cache is keyed by the sentence"
    chimes = CallVoice(tmp_path, espeak=espeak, mode=SoundMode.CHIME)
    assert chimes.render(SENTENCE) != path, "and by how it sounds"


def test_chime_only_and_a_closing_chime(tmp_path: Path, espeak: Espeak) -> None:
    only = read_wav(CallVoice(tmp_path, espeak=espeak, mode=SoundMode.CHIME).render(SENTENCE))
    assert only.samples == chime("open").samples
    plain = read_wav(CallVoice(tmp_path, espeak=espeak).render(SENTENCE))
    closing = read_wav(CallVoice(tmp_path, espeak=espeak, closing_chime=True).render(SENTENCE))
    assert closing.seconds > plain.seconds + 1.0
    assert closing.samples[-len(chime("close").samples):] == chime("close").samples


def _pack(folder: Path, espeak: Espeak, words: list[str], broken: str = "") -> Path:
    """A voice pack 'recorded' by espeak-ng at another pitch, missing some words."""
    folder.mkdir()
    lines = ['name = "Uji"', "[clips]"]
    for word in words:
        file = word.replace(" ", "-") + ".wav"
        write_wav(folder / file, Espeak(espeak.program, pitch=80).speak(word))
        lines.append(f'"{word}" = "{file}"')
    if broken:
        (folder / "rusak.wav").write_bytes(b"RIFF not really a wav")
        lines.append(f'"{broken}" = "rusak.wav"')
    (folder / "voice.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_voice_pack_with_gaps_falls_back_to_espeak_for_those_words(
    tmp_path: Path, espeak: Espeak
) -> None:
    folder = _pack(tmp_path / "pack", espeak,
                   ["nomor antrean", "a", "seratus", "silakan menuju loket", "tiga"],
                   broken="dua")
    pack = VoicePack.load(folder)
    assert "dua" in pack.broken and "dua" not in pack.clips
    voice = CallVoice(tmp_path / "cache", pack=pack, espeak=espeak)
    problems = voice.problems(SENTENCE)
    assert any("'dua' is broken" in p for p in problems)
    missing = next(p for p in problems if "no clip for" in p)
    assert "puluh" in missing and "espeak-ng speaks them" in missing
    assert pack.cover(["nomor", "antrean", "a", "seratus", "dua", "puluh", "tiga"]) == [
        "nomor antrean", "a", "seratus", ["dua", "puluh"], "tiga",
    ]
    sound = read_wav(voice.render(SENTENCE))
    with_pack_only = CallVoice(tmp_path / "cache2", pack=pack, espeak=None)
    silent_gap = read_wav(with_pack_only.render(SENTENCE))
    # The synthetic voice filled "dua puluh": the call is longer than the clips alone.
    assert sound.seconds > silent_gap.seconds + 0.3
    assert any("left out" in p for p in with_pack_only.problems(SENTENCE))


def test_no_voice_at_all_still_chimes_and_says_so(tmp_path: Path) -> None:
    voice = CallVoice(tmp_path, pack=None, espeak=None)
    assert voice.problems(SENTENCE) == [
        "no voice: neither a voice pack nor espeak-ng; only the chime sounds"
    ]
    assert loudness(read_wav(voice.render(SENTENCE))) > 0.05


def test_a_pack_without_a_readable_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match=r"cannot read voice\.toml"):
        VoicePack.load(tmp_path)
    (tmp_path / "voice.toml").write_text("[clips\n", encoding="utf-8")
    with pytest.raises(VoiceError, match="not valid TOML"):
        VoicePack.load(tmp_path)


def test_clips_in_other_formats_are_converted(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as file:  # 44.1 kHz stereo 8-bit, one second
        file.setnchannels(2)
        file.setsampwidth(1)
        file.setframerate(44100)
        file.writeframes(bytes([128, 128, 255, 255] * 22050))
    pcm = read_wav(path)
    assert abs(pcm.seconds - 1.0) < 0.01
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError):
        read_wav(tmp_path / "empty.wav")


def test_written_wav_round_trips(tmp_path: Path) -> None:
    pcm = Pcm(array("h", [0, 1000, -1000, 32767, -32768]))
    assert read_wav(write_wav(tmp_path / "x.wav", pcm)).samples == pcm.samples
