"""Decoding voice messages and rejecting bad input (no model needed)."""
from __future__ import annotations

import os

import numpy as np
import pytest

from assistant.voice.audio import PcmAudio, decode_voice, encode_ogg_opus, encode_wav, read_wav
from assistant.voice.errors import VoiceInputError

from .conftest import encode_with_av, tone

LIMITS = {"max_bytes": 5_000_000, "max_seconds": 60.0}


@pytest.fixture(scope="module")
def pcm() -> PcmAudio:
    return PcmAudio(samples=tone(3.0), sample_rate=16_000)


@pytest.mark.parametrize(
    ("container", "codec"),
    [("ogg", "libopus"), ("webm", "libopus"), ("mp4", "aac"), ("wav", "pcm_s16le")],
)
def test_decodes_common_voice_formats(pcm: PcmAudio, container: str, codec: str) -> None:
    data = encode_with_av(pcm.samples, pcm.sample_rate, container, codec)
    samples = decode_voice(data, **LIMITS)
    assert samples.dtype == np.float32
    assert abs(len(samples) / 16_000 - 3.0) < 0.1
    assert np.abs(samples).max() > 0.1


def test_stereo_and_other_rates_become_16k_mono() -> None:
    import io
    import wave

    stereo = np.stack([tone(2.0, 44_100), tone(2.0, 44_100, 880.0)], axis=1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44_100)
        wav.writeframes(stereo.astype("<i2").tobytes())
    samples = decode_voice(buffer.getvalue(), **LIMITS)
    assert abs(len(samples) - 32_000) < 200


def test_own_wav_and_ogg_round_trip(pcm: PcmAudio) -> None:
    back = read_wav(encode_wav(pcm))
    assert back.sample_rate == 16_000 and np.array_equal(back.samples, pcm.samples)
    ogg = encode_ogg_opus(pcm)
    assert ogg[:4] == b"OggS" and b"OpusHead" in ogg[:200]
    assert abs(len(decode_voice(ogg, **LIMITS)) / 16_000 - 3.0) < 0.1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (os.urandom(4096), "unreadable"),
        (b"Dies ist keine Sprachnachricht.\n" * 50, "unreadable"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "unreadable"),
    ],
)
def test_rejects_non_audio(data: bytes, reason: str) -> None:
    with pytest.raises(VoiceInputError) as info:
        decode_voice(data, **LIMITS)
    assert info.value.reason == reason
    assert "Sprachnachricht" in info.value.user_message


def test_rejects_truncated_ogg(pcm: PcmAudio) -> None:
    ogg = encode_ogg_opus(pcm)
    for cut in (len(ogg) // 2, len(ogg) - 7, 60):
        with pytest.raises(VoiceInputError) as info:
            decode_voice(ogg[:cut], **LIMITS)
        assert info.value.reason == "unreadable"


def test_wav_header_without_samples_is_rejected(pcm: PcmAudio) -> None:
    with pytest.raises(VoiceInputError) as info:
        decode_voice(encode_wav(pcm)[:44], **LIMITS)
    assert info.value.reason in ("no_audio", "unreadable")


def test_rejects_too_large_before_decoding() -> None:
    with pytest.raises(VoiceInputError) as info:
        decode_voice(b"x" * 1001, max_bytes=1000, max_seconds=60)
    assert info.value.reason == "too_large"
    assert "zu groß" in info.value.user_message


def test_rejects_too_long(pcm: PcmAudio) -> None:
    ogg = encode_ogg_opus(pcm)
    with pytest.raises(VoiceInputError) as info:
        decode_voice(ogg, max_bytes=5_000_000, max_seconds=2.0)
    assert info.value.reason == "too_long"
    assert "höchstens 2 Sekunden" in info.value.user_message
