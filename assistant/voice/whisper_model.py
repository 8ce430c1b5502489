"""The process-wide faster-whisper model: loaded once, lazily, thread-safe, offline.

:func:`get_model` assembles/verifies the model files (:func:`~assistant.voice.model_files.ensure_model`,
cheap once stamped) and loads Whisper base on the CPU with int8 weights and
``settings.stt_threads`` threads. The model remembers the encoder output of the first 30-second
window of each transcription so :func:`spoken_language` can score the language afterwards with
one decoder step instead of a second encoder pass (the transcription itself is forced to German).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

from assistant.config import Settings, get_settings
from assistant.voice.errors import VoiceUnavailableError
from assistant.voice.model_files import ensure_model

if TYPE_CHECKING:  # pragma: no cover
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

_model: Optional["WhisperModel"] = None
_model_key: Optional[tuple[str, int]] = None
_lock = threading.Lock()


def _create(model_dir: str, threads: int) -> "WhisperModel":
    from faster_whisper import WhisperModel

    class LanguageAwareWhisperModel(WhisperModel):
        """WhisperModel that keeps the first encoder output after :meth:`forget_encoder_output`."""

        first_encoder_output: Any = None

        def forget_encoder_output(self) -> None:
            self.first_encoder_output = None

        def encode(self, features: Any) -> Any:
            output = super().encode(features)
            if self.first_encoder_output is None:
                self.first_encoder_output = output
            return output

    return LanguageAwareWhisperModel(
        model_dir,
        device="cpu",
        compute_type="int8",
        cpu_threads=threads,
        num_workers=1,
        local_files_only=True,
    )


def get_model(settings: Optional[Settings] = None) -> "WhisperModel":
    """The process-wide Whisper model, loaded on first call (double-checked locking).

    Raises :class:`~assistant.voice.errors.ModelFilesError` if the model files are missing or
    corrupt and :class:`~assistant.voice.errors.VoiceUnavailableError` if CTranslate2 cannot load them.
    """
    global _model, _model_key
    settings = settings or get_settings()
    key = (str(settings.whisper_model_dir), max(1, settings.stt_threads))
    model = _model
    if model is not None and _model_key == key:
        return model
    with _lock:
        if _model is None or _model_key != key:
            model_dir = ensure_model(settings.whisper_model_dir)
            started = time.perf_counter()
            try:
                _model = _create(str(model_dir), key[1])
            except (RuntimeError, ValueError, OSError) as exc:
                raise VoiceUnavailableError(f"cannot load Whisper model from {model_dir}: {exc}", reason="model") from exc
            _model_key = key
            log.info("Whisper model loaded from %s in %.1f s", model_dir, time.perf_counter() - started)
        return _model


def forget_encoder_output(model: "WhisperModel") -> None:
    """Start a new transcription: the next encoder output is remembered again."""
    if hasattr(model, "forget_encoder_output"):
        model.forget_encoder_output()


def spoken_language(model: "WhisperModel") -> tuple[str, float]:
    """Most likely language of the remembered window and its probability; ("", 0.0) if none."""
    output = getattr(model, "first_encoder_output", None)
    if output is None:
        return "", 0.0
    token, probability = model.model.detect_language(output)[0][0]
    return token.strip("<|>"), float(probability)
