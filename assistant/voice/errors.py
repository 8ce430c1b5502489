"""Exception types of the voice feature; each carries a German message that may be shown to residents."""
from __future__ import annotations

DEFAULT_INPUT_MESSAGE = (
    "Ich konnte die Sprachnachricht nicht verstehen. "
    "Bitte versuchen Sie es noch einmal oder schreiben Sie Ihre Frage."
)
DEFAULT_UNAVAILABLE_MESSAGE = (
    "Die Sprachfunktion ist gerade nicht verfügbar. Bitte schreiben Sie Ihre Frage."
)


class VoiceError(Exception):
    """Base class. ``user_message`` is German and safe to show; ``str(exc)`` is the technical detail."""

    default_user_message: str = DEFAULT_INPUT_MESSAGE

    def __init__(self, detail: str, *, user_message: str | None = None, reason: str = "error") -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason
        self.user_message = user_message or self.default_user_message


class VoiceInputError(VoiceError):
    """The resident's input cannot be used (empty, too large, too long, not audio, no speech).

    ``reason`` is a short machine-readable code: ``empty``, ``too_large``, ``too_long``,
    ``unreadable``, ``no_audio``, ``no_speech`` or ``empty_text``.
    """

    default_user_message = DEFAULT_INPUT_MESSAGE


class VoiceUnavailableError(VoiceError):
    """The voice machinery itself is not usable (model files or speech engine missing, timeout)."""

    default_user_message = DEFAULT_UNAVAILABLE_MESSAGE


class ModelFilesError(VoiceUnavailableError):
    """The Whisper model files could not be assembled or failed verification."""
