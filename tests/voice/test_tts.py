"""Speech synthesis with Pico / eSpeak NG."""
from __future__ import annotations

import io
import logging
import shutil
import tempfile
import wave
from pathlib import Path

import pytest

from assistant.voice import tts
from assistant.voice.errors import VoiceInputError, VoiceUnavailableError

pytestmark = pytest.mark.slow

SENTENCE = "Das Bürgerbüro hat Mo.–Fr. 8:00–12:00 Uhr geöffnet."


def _decode_any(data: bytes) -> tuple[str, int, float]:
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        codec, rate = stream.codec_context.name, stream.codec_context.sample_rate
        samples = sum(frame.samples for frame in container.decode(stream))
    return codec, rate, samples / rate


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of the engine go to a folder the test can inspect."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_pico_is_installed() -> None:
    assert shutil.which("pico2wave"), "run scripts/install_voice_system.sh"
    assert tts.find_engine().name == "pico"


def test_wav_output(private_tmp: Path) -> None:
    data = tts.synthesize(SENTENCE, "wav")
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16_000)
        assert wav.getnframes() / 16_000 > 2.0
    assert list(private_tmp.iterdir()) == []  # temp files cleaned up


def test_ogg_output_is_a_voice_note(private_tmp: Path) -> None:
    data = tts.synthesize(SENTENCE, "ogg")
    assert data[:4] == b"OggS"
    codec, rate, seconds = _decode_any(data)
    assert codec == "opus" and rate == 48_000
    assert seconds > 2.0
    assert list(private_tmp.iterdir()) == []


def test_espeak_fallback_warns_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    real_which = shutil.which
    monkeypatch.setattr(tts.shutil, "which", lambda name: None if name == "pico2wave" else real_which(name))
    monkeypatch.setattr(tts, "_warned_fallback", False)
    with caplog.at_level(logging.WARNING, logger="assistant.voice.tts"):
        first = tts.synthesize_pcm("Guten Tag.")
        tts.synthesize_pcm("Auf Wiedersehen.")
    assert first.sample_rate == 22_050 and first.duration > 0.3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "pico2wave" in warnings[0].getMessage()


def test_no_engine_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    with pytest.raises(VoiceUnavailableError) as info:
        tts.synthesize("Hallo", "wav")
    assert "nicht verfügbar" in info.value.user_message


def test_timeout_and_cleanup(tmp_path: Path, private_tmp: Path) -> None:
    slow = tmp_path / "slow-engine"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    with pytest.raises(VoiceUnavailableError) as info:
        tts.synthesize_pcm("Hallo", engine=tts.Engine("pico", str(slow)), timeout=0.3)
    assert info.value.reason == "timeout"
    assert list(private_tmp.iterdir()) == []


def test_failing_engine(tmp_path: Path) -> None:
    broken = tmp_path / "broken-engine"
    broken.write_text("#!/bin/sh\necho kaputt >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(VoiceUnavailableError, match="kaputt"):
        tts.synthesize_pcm("Hallo", engine=tts.Engine("pico", str(broken)))


def test_empty_text_is_rejected() -> None:
    for text in ("", "   ", "😀 🎉", "- \n* "):
        with pytest.raises(VoiceInputError) as info:
            tts.synthesize(text, "wav")
        assert info.value.reason == "empty_text"


def test_text_is_capped(voice_settings) -> None:  # type: ignore[no-untyped-def]
    settings = voice_settings(ASSISTANT_TTS_MAX_CHARS="60")
    long_text = "Das ist ein Satz. " * 40
    short = tts.synthesize_pcm(long_text, settings=settings)
    assert short.duration < 6.0
    assert len(tts.prepare_text(long_text, 60)) <= 60


def test_limit_text() -> None:
    assert tts.limit_text("Kurz.", 100) == "Kurz."
    assert tts.limit_text("Erster Satz. Zweiter Satz ist lang.", 20) == "Erster Satz."
    assert tts.limit_text("ein sehr langes wort und noch mehr", 20) == "ein sehr langes."
    assert len(tts.limit_text("x" * 50, 10)) == 10


def test_unknown_format() -> None:
    with pytest.raises(ValueError):
        tts.synthesize("Hallo", "mp3")  # type: ignore[arg-type]


def test_text_starting_with_dash_is_spoken_not_parsed() -> None:
    assert tts.synthesize_pcm("-5 Grad draußen", normalize=False).duration > 0.5
