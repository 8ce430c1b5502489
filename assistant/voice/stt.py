"""German speech-to-text with faster-whisper (Whisper base, CTranslate2, CPU, int8).

The model is loaded once per process on first use (:mod:`assistant.voice.whisper_model`) from
``settings.whisper_model_dir``, assembled from the installed wheels if needed – nothing is
downloaded. Decoding is forced to German (beam 5, VAD, no conditioning on previous text, a prompt
of domain terms) and the result is post-corrected against the same terms
(:mod:`assistant.voice.correction`). Transcriptions run one at a time per process so two voice
notes never fight over the machine's two cores.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from assistant.config import Settings, get_settings
from assistant.voice.audio import WHISPER_RATE, decode_voice
from assistant.voice.correction import correct_transcript
from assistant.voice.errors import VoiceInputError, VoiceUnavailableError
from assistant.voice.lexicon import load_common_words
from assistant.voice.whisper_model import forget_encoder_output, get_model, spoken_language

log = logging.getLogger(__name__)

LANGUAGE = "de"
BEAM_SIZE = 5
PROMPT_MAX_CHARS = 300
NO_SPEECH_MESSAGE = (
    "In der Sprachnachricht war keine Sprache zu hören. "
    "Bitte versuchen Sie es noch einmal oder schreiben Sie Ihre Frage."
)

_transcribe_lock = threading.Lock()


@dataclass(frozen=True)
class Transcript:
    """Result of one transcription.

    ``text`` is post-corrected, ``raw_text`` is Whisper's own; both are German (decoding is forced
    to German). ``language``/``language_probability`` say which language was most likely spoken
    (e.g. "de", 0.99; "ru" means the resident probably spoke Russian). ``duration`` is the audio
    length and ``processing_seconds`` the transcription time, both in seconds.
    """

    text: str
    raw_text: str
    duration: float
    language: str
    language_probability: float
    processing_seconds: float


def build_initial_prompt(terms: Iterable[str], max_chars: int = PROMPT_MAX_CHARS) -> str:
    """Whisper prompt from domain terms, most important first, capped at ``max_chars``.

    Duplicates (case-insensitive) and blanks are dropped; terms that no longer fit are left out
    whole, never cut in the middle. Returns "" for no terms.
    """
    seen: set[str] = set()
    picked: list[str] = []
    length = 0
    for raw in terms:
        term = " ".join(str(raw).split())
        key = term.casefold()
        if not term or key in seen:
            continue
        extra = len(term) + (2 if picked else 0)
        if length + extra + 1 > max_chars:  # +1 for the closing full stop
            continue
        seen.add(key)
        picked.append(term)
        length += extra
    return ", ".join(picked) + "." if picked else ""


def _common_words(settings: Optional[Settings]) -> frozenset[str]:
    settings = settings or get_settings()
    return load_common_words(Path(settings.whisper_model_dir) / "vocabulary.txt")


def transcribe_samples(
    samples: np.ndarray,
    terms: Sequence[str] = (),
    *,
    settings: Optional[Settings] = None,
    prompt_terms: Optional[Sequence[str]] = None,
) -> Transcript:
    """Transcribe float32 mono 16 kHz samples.

    ``terms`` (service names, places, colloquial words) feed both the Whisper prompt and the
    post-correction; ``prompt_terms`` overrides the prompt part. Raises :class:`VoiceInputError`
    (reason ``no_speech``) when nothing was said.
    """
    model = get_model(settings)
    prompt = build_initial_prompt(terms if prompt_terms is None else prompt_terms) or None
    started = time.perf_counter()
    with _transcribe_lock:
        forget_encoder_output(model)
        try:
            segments, _info = model.transcribe(
                samples.astype(np.float32, copy=False),
                language=LANGUAGE,
                beam_size=BEAM_SIZE,
                vad_filter=True,
                condition_on_previous_text=False,
                initial_prompt=prompt,
            )
            raw_text = " ".join(segment.text.strip() for segment in segments).strip()
            language, language_probability = spoken_language(model) if raw_text else ("", 0.0)
        except RuntimeError as exc:  # CTranslate2 failures (e.g. out of memory)
            raise VoiceUnavailableError(f"transcription failed: {exc}", reason="model") from exc
    elapsed = time.perf_counter() - started
    if not raw_text:
        raise VoiceInputError("no speech detected", user_message=NO_SPEECH_MESSAGE, reason="no_speech")
    return Transcript(
        text=correct_transcript(raw_text, terms, _common_words(settings)),
        raw_text=raw_text,
        duration=len(samples) / float(WHISPER_RATE),
        language=language,
        language_probability=language_probability,
        processing_seconds=elapsed,
    )


def transcribe_bytes(
    data: bytes,
    terms: Sequence[str] = (),
    *,
    settings: Optional[Settings] = None,
) -> Transcript:
    """Decode a voice message (OGG/Opus, WebM/Opus, MP4/AAC, WAV, …) and transcribe it.

    Limits come from ``settings.stt_max_bytes`` and ``settings.stt_max_seconds``. Raises
    :class:`VoiceInputError` for unusable input and :class:`VoiceUnavailableError` when the
    model cannot be loaded; both carry a German ``user_message``.
    """
    settings = settings or get_settings()
    samples = decode_voice(data, max_bytes=settings.stt_max_bytes, max_seconds=settings.stt_max_seconds)
    return transcribe_samples(samples, terms, settings=settings)
