"""Speech-to-text with the real Whisper model: round trips and rejected input."""
from __future__ import annotations

import asyncio
import os
import threading

import numpy as np
import pytest

from assistant.voice import service, stt, tts
from assistant.voice.audio import PcmAudio, encode_ogg_opus, encode_wav
from assistant.voice.errors import VoiceInputError
from assistant.voice.vocabulary import default_terms

from .conftest import encode_with_av

pytestmark = pytest.mark.slow

QUESTION = "Ich brauche einen neuen Personalausweis. Hat das Bürgerbüro in Kleinwalde am Freitag geöffnet?"


@pytest.fixture(scope="module")
def question_pcm() -> PcmAudio:
    return tts.synthesize_pcm(QUESTION)


def test_model_is_loaded_once() -> None:
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(stt.get_model())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(model is results[0] for model in results)
    assert stt.get_model() is results[0]


def test_round_trip_pico_ogg(question_pcm: PcmAudio) -> None:
    transcript = stt.transcribe_bytes(encode_ogg_opus(question_pcm), default_terms())
    assert "Personalausweis" in transcript.text
    assert "Kleinwalde" in transcript.text
    assert "Bürgerbüro" in transcript.text
    assert transcript.language == "de"
    assert 0.5 <= transcript.language_probability <= 1.0
    assert abs(transcript.duration - question_pcm.duration) < 0.2
    assert transcript.processing_seconds > 0


@pytest.mark.parametrize(("container", "codec"), [("webm", "libopus"), ("mp4", "aac")])
def test_round_trip_browser_and_ios_formats(question_pcm: PcmAudio, container: str, codec: str) -> None:
    data = encode_with_av(question_pcm.samples, question_pcm.sample_rate, container, codec)
    transcript = service.transcribe_bytes(data)
    assert "Personalausweis" in transcript.text


def test_round_trip_wav_via_service_async(question_pcm: PcmAudio) -> None:
    transcript = asyncio.run(service.transcribe_bytes_async(encode_wav(question_pcm), ["Kleinwalde"]))
    assert "Kleinwalde" in transcript.text


def test_post_correction_is_applied(question_pcm: PcmAudio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stt, "correct_transcript", lambda text, terms, common: text.replace("Kleinwalde", "Klein-Walde-Fix"))
    transcript = stt.transcribe_bytes(encode_wav(question_pcm), default_terms())
    assert "Klein-Walde-Fix" in transcript.text and "Kleinwalde" in transcript.raw_text


def test_silence_is_no_speech() -> None:
    silence = PcmAudio(samples=np.zeros(16_000 * 3, dtype=np.int16), sample_rate=16_000)
    with pytest.raises(VoiceInputError) as info:
        stt.transcribe_bytes(encode_ogg_opus(silence), default_terms())
    assert info.value.reason == "no_speech"
    assert "keine Sprache" in info.value.user_message


@pytest.mark.parametrize("data", [b"", os.urandom(3000), b"OggS" + os.urandom(300)])
def test_bad_bytes_are_rejected_with_german_message(data: bytes) -> None:
    with pytest.raises(VoiceInputError) as info:
        service.transcribe_bytes(data)
    assert info.value.user_message.startswith(("Ich konnte", "Die Sprachnachricht ist leer"))


def test_truncated_ogg_is_rejected(question_pcm: PcmAudio) -> None:
    ogg = encode_ogg_opus(question_pcm)
    with pytest.raises(VoiceInputError) as info:
        service.transcribe_bytes(ogg[: len(ogg) * 2 // 3])
    assert info.value.user_message == (
        "Ich konnte die Sprachnachricht nicht verstehen. "
        "Bitte versuchen Sie es noch einmal oder schreiben Sie Ihre Frage."
    )


def test_configured_limits(question_pcm: PcmAudio, voice_settings) -> None:  # type: ignore[no-untyped-def]
    ogg = encode_ogg_opus(question_pcm)
    settings = voice_settings(ASSISTANT_STT_MAX_SECONDS="2")
    with pytest.raises(VoiceInputError) as info:
        stt.transcribe_bytes(ogg, settings=settings)
    assert info.value.reason == "too_long"
    settings = voice_settings(ASSISTANT_STT_MAX_BYTES=str(len(ogg) - 1))
    with pytest.raises(VoiceInputError) as info:
        service.transcribe_bytes(ogg)  # the facade reads the settings from the environment
    assert info.value.reason == "too_large"


def test_language_of_a_non_german_note_is_reported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    espeak = shutil.which("espeak-ng")
    assert espeak, "run scripts/install_voice_system.sh"
    out = tmp_path / "english.wav"
    subprocess.run(
        [espeak, "-v", "en", "-w", str(out), "Hello, I would like to renew my passport. When is the office open?"],
        check=True,
        timeout=30,
    )
    transcript = stt.transcribe_bytes(out.read_bytes(), default_terms())
    assert transcript.language == "en"
    assert transcript.language_probability > 0.5
