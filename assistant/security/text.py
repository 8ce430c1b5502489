"""Input hygiene before anything reaches the NLU: one function for every channel.

Lone UTF-16 surrogates made spaCy fail (empty reply); NUL and other control characters broke
database writes and the speech engine. We normalise instead of rejecting: a resident who pasted
a text with a stray control character still gets an answer.
"""
from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 2000
# C0/C1 controls except tab/newline, DEL, lone surrogates, non-characters, BOM, bidi overrides
_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\ufeff\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


class MessageTooLong(ValueError):
    """The message is longer than the channel allows; the German text is in ``user_message``."""

    def __init__(self, limit: int):
        super().__init__(f"message longer than {limit} characters")
        self.limit = limit
        self.user_message = f"Die Nachricht ist zu lang (höchstens {limit} Zeichen). Bitte fassen Sie sich kürzer."


def clean_text(text: str) -> str:
    """NFC-normalised text without control characters or lone surrogates, spaces collapsed."""
    if not isinstance(text, str):
        text = str(text)
    text = _BAD.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def clean_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """:func:`clean_text`, then refuse messages over ``limit`` characters (MessageTooLong)."""
    cleaned = clean_text(text)
    if len(cleaned) > limit:
        raise MessageTooLong(limit)
    return cleaned


# Rasa's own control payloads: typed by a resident they would silently reset the conversation
# (``/restart`` answers nothing) or run internals. Button payloads of our intents stay allowed.
CONTROL_PAYLOAD = re.compile(r"^\s*/(restart|session_start|back|action_\w+|utter_\w+)\b", re.I)


def is_control_payload(text: str) -> bool:
    return bool(CONTROL_PAYLOAD.match(text))


def is_clean(text: str) -> bool:
    """True if ``text`` contains nothing :func:`clean_text` would remove."""
    return not _BAD.search(text)
