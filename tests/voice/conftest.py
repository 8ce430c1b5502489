"""Shared fixtures for the voice tests: settings from the environment and audio helpers."""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.config import Settings, get_settings  # noqa: E402


@pytest.fixture
def voice_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Settings]]:
    """Factory: ``voice_settings(ASSISTANT_STT_MAX_SECONDS="2")`` → fresh settings with those variables."""

    def make(**env: str) -> Settings:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()

    yield make
    get_settings.cache_clear()


def encode_with_av(samples: np.ndarray, rate: int, container_format: str, codec: str) -> bytes:
    """Encode int16 mono samples into any container/codec PyAV offers (test input generator)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        out_rate = 48_000 if codec == "libopus" else rate
        stream = container.add_stream(codec, rate=out_rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=out_rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1).astype(np.int16), format="s16", layout="mono")
        frame.sample_rate = rate
        for resampled in (*resampler.resample(frame), *resampler.resample(None)):
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def tone(seconds: float, rate: int = 16_000, freq: float = 440.0) -> np.ndarray:
    """A quiet sine tone as int16 samples."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.2 * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
