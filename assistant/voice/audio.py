"""Audio containers: decode voice messages to 16 kHz mono and encode speech to WAV or OGG/Opus.

Decoding uses PyAV (FFmpeg, shipped with faster-whisper) and accepts anything FFmpeg reads:
OGG/Opus (Telegram voice notes), WebM/Opus (browser recordings), MP4/AAC (iOS), WAV, MP3.
Every way input can be bad ends in :class:`VoiceInputError`, never in a crash.
"""
from __future__ import annotations

import io
import logging
import wave
from dataclasses import dataclass
from typing import Optional

import numpy as np

from assistant.voice.errors import VoiceInputError, VoiceUnavailableError

log = logging.getLogger(__name__)

WHISPER_RATE = 16_000
OPUS_RATE = 48_000
OPUS_BITRATE = 32_000
# A container whose demuxer hits this many broken packets is treated as corrupt.
MAX_BAD_PACKETS = 3

TOO_LARGE_MESSAGE = (
    "Die Sprachnachricht ist zu groß. Bitte sprechen Sie eine kürzere Nachricht "
    "oder schreiben Sie Ihre Frage."
)
EMPTY_MESSAGE = "Die Sprachnachricht ist leer. Bitte versuchen Sie es noch einmal oder schreiben Sie Ihre Frage."


def too_long_message(max_seconds: float) -> str:
    """German message for a voice note above the length limit."""
    return (
        f"Die Sprachnachricht ist zu lang. Bitte sprechen Sie höchstens {int(max_seconds)} Sekunden "
        "oder schreiben Sie Ihre Frage."
    )


@dataclass(frozen=True)
class PcmAudio:
    """Mono 16-bit PCM samples and their rate."""

    samples: np.ndarray  # int16, shape (n,)
    sample_rate: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.sample_rate)


def _is_truncated_ogg(data: bytes) -> bool:
    """True if an Ogg stream's last page is cut off (walks the page headers, no decoding)."""
    pos, size = 0, len(data)
    while pos < size:
        if data[pos : pos + 4] != b"OggS" or pos + 27 > size:
            return True
        segments = data[pos + 26]
        if pos + 27 + segments > size:
            return True
        body = sum(data[pos + 27 : pos + 27 + segments])
        pos += 27 + segments + body
    return pos != size


def decode_voice(data: bytes, *, max_bytes: int, max_seconds: float) -> np.ndarray:
    """Decode a voice message to float32 mono samples at 16 kHz (values in [-1, 1]).

    Raises :class:`VoiceInputError` with ``reason`` ``empty``, ``too_large``, ``too_long``,
    ``unreadable`` (not audio, corrupt or truncated) or ``no_audio`` (no samples decoded).
    Decoding stops as soon as the length limit is passed.
    """
    import av  # PyAV; imported lazily so importing this module stays cheap

    if not data:
        raise VoiceInputError("empty input", user_message=EMPTY_MESSAGE, reason="empty")
    if len(data) > max_bytes:
        raise VoiceInputError(
            f"input has {len(data)} bytes, limit {max_bytes}", user_message=TOO_LARGE_MESSAGE, reason="too_large"
        )
    if data[:4] == b"OggS" and _is_truncated_ogg(data):
        raise VoiceInputError("truncated or damaged Ogg stream", reason="unreadable")

    max_samples = int(max_seconds * WHISPER_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    bad_packets = 0
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise VoiceInputError("no audio stream", reason="unreadable")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=WHISPER_RATE)
            for packet in container.demux(stream):
                try:
                    frames: list[Optional[av.AudioFrame]] = list(packet.decode())
                except av.error.InvalidDataError as exc:
                    bad_packets += 1
                    log.debug("skipping broken audio packet: %s", exc)
                    if bad_packets > MAX_BAD_PACKETS:
                        raise VoiceInputError(f"too many broken packets ({exc})", reason="unreadable") from exc
                    continue
                if packet.size == 0:  # the final flush packet: drain the resampler too
                    frames.append(None)
                for frame in frames:
                    for out in resampler.resample(frame):
                        array = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                        chunks.append(array)
                        total += array.shape[0]
                if total > max_samples:
                    raise VoiceInputError(
                        f"audio longer than {max_seconds} s",
                        user_message=too_long_message(max_seconds),
                        reason="too_long",
                    )
    except VoiceInputError:
        raise
    except (av.error.FFmpegError, ValueError, OSError, IndexError, EOFError) as exc:
        raise VoiceInputError(f"cannot decode audio: {exc}", reason="unreadable") from exc
    if total == 0:
        raise VoiceInputError("no audio samples decoded", reason="no_audio")
    samples = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    return np.clip(samples, -1.0, 1.0)


def read_wav(data: bytes) -> PcmAudio:
    """Read 16-bit PCM WAV bytes (mono, or the first channel of a multi-channel file)."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"expected 16-bit WAV, got {8 * wav.getsampwidth()}-bit")
        channels, rate = wav.getnchannels(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels)[:, 0].copy()
    return PcmAudio(samples=samples, sample_rate=rate)


def encode_wav(audio: PcmAudio) -> bytes:
    """16-bit mono PCM WAV bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.sample_rate)
        wav.writeframes(audio.samples.astype("<i2").tobytes())
    return buffer.getvalue()


def encode_ogg_opus(audio: PcmAudio, *, rate: int = OPUS_RATE, bitrate: int = OPUS_BITRATE) -> bytes:
    """OGG/Opus bytes, mono, like a Telegram voice note (48 kHz by default)."""
    import av

    buffer = io.BytesIO()
    try:
        with av.open(buffer, mode="w", format="ogg") as container:
            stream = container.add_stream("libopus", rate=rate)
            stream.layout = "mono"
            stream.bit_rate = bitrate
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            frame = av.AudioFrame.from_ndarray(audio.samples.reshape(1, -1).astype(np.int16), format="s16", layout="mono")
            frame.sample_rate = audio.sample_rate
            for resampled in (*resampler.resample(frame), *resampler.resample(None)):
                for packet in stream.encode(resampled):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
    except av.error.FFmpegError as exc:  # e.g. an FFmpeg build without libopus
        raise VoiceUnavailableError(f"cannot encode OGG/Opus: {exc}", reason="encoder") from exc
    return buffer.getvalue()
