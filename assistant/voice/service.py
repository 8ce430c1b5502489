"""Facade used by the web server and the Telegram bridge.

Blocking functions (:func:`transcribe_bytes`, :func:`speak`) and ``async`` twins that run them in
a worker thread so an event loop never stalls on CPU-bound speech work. Every error is a
:class:`~assistant.voice.errors.VoiceError` whose ``user_message`` can be sent to the resident.
"""
from __future__ import annotations

import asyncio
from typing import Optional, Sequence

from assistant.voice import stt, tts
from assistant.voice.stt import Transcript
from assistant.voice.tts import AudioFormat
from assistant.voice.kb_terms import default_kb_terms

__all__ = ["Transcript", "transcribe_bytes", "speak", "transcribe_bytes_async", "speak_async", "warm_up"]


def transcribe_bytes(data: bytes, terms: Optional[Sequence[str]] = None) -> Transcript:
    """Voice message bytes → :class:`Transcript`; ``terms`` default to the knowledge base's
    service names, places and colloquial words."""
    return stt.transcribe_bytes(data, list(default_kb_terms()) if terms is None else terms)


def speak(text: str, fmt: AudioFormat = "ogg") -> bytes:
    """German text → audio bytes (``"ogg"``: OGG/Opus voice note, ``"wav"``: PCM WAV)."""
    return tts.synthesize(text, fmt)


async def transcribe_bytes_async(data: bytes, terms: Optional[Sequence[str]] = None) -> Transcript:
    """:func:`transcribe_bytes` in a worker thread."""
    return await asyncio.to_thread(transcribe_bytes, data, terms)


async def speak_async(text: str, fmt: AudioFormat = "ogg") -> bytes:
    """:func:`speak` in a worker thread."""
    return await asyncio.to_thread(speak, text, fmt)


def warm_up() -> None:
    """Assemble/verify the model and load it now (call from a startup hook, not at import)."""
    stt.get_model()
