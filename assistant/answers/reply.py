"""Reply and button types, and the one place where button payloads are built."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from assistant.formatting import shorten

MAX_BUTTON_TITLE = 40


def payload(intent: str, **entities: Any) -> str:
    """Rasa button payload '/intent{"entity": "value"}' (generated, never hand-typed)."""
    ents = {k: v for k, v in entities.items() if v is not None}
    return f"/{intent}{json.dumps(ents, ensure_ascii=False)}" if ents else f"/{intent}"


def parse_payload(text: str) -> tuple[str, dict[str, Any]]:
    """Inverse of :func:`payload` (used by tests and the Telegram bridge)."""
    if not text.startswith("/"):
        raise ValueError("payload must start with '/'")
    body = text[1:]
    brace = body.find("{")
    if brace == -1:
        return body, {}
    return body[:brace], json.loads(body[brace:])


@dataclass
class Button:
    title: str
    payload: str

    def to_rasa(self) -> dict[str, str]:
        return {"title": shorten(self.title, MAX_BUTTON_TITLE), "payload": self.payload}


@dataclass
class LinkButton:
    """A button that opens a URL (rendered as link by the channels)."""

    title: str
    url: str

    def to_rasa(self) -> dict[str, str]:
        return {"title": shorten(self.title, MAX_BUTTON_TITLE), "payload": self.url, "type": "web_url", "url": self.url}


@dataclass
class Reply:
    key: str
    text: str
    buttons: list[Any] = field(default_factory=list)
    attachment: Optional[dict[str, Any]] = None

    def to_dispatch(self) -> dict[str, Any]:
        """Keyword arguments for ``dispatcher.utter_message``."""
        out: dict[str, Any] = {"response": self.key, "text": self.text}
        if self.buttons:
            out["buttons"] = [b.to_rasa() for b in self.buttons]
        if self.attachment:
            out["attachment"] = self.attachment
        return out


def bullets(items: list[str]) -> str:
    return "\n".join(f"• {i}" for i in items)


YES = "Ja"
NO = "Nein"
DONT_KNOW = "Weiß nicht"


WORD_BUDGET = 80


def sentences(text: str) -> list[str]:
    """The sentences of a KB text (split after . ! ? before a capital or digit)."""
    import re

    return [part for part in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9])", (text or "").strip()) if part]


def first_sentence(text: str, max_words: int = 20) -> str:
    """The first sentence, cut to ``max_words`` words (with '…' when cut)."""
    import re

    sentence = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9])", text.strip(), maxsplit=1)[0]
    words = sentence.split()
    return " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")


def fit(lines: list[str], budget: int = WORD_BUDGET) -> list[str]:
    """Keep lines in order while the total stays within ``budget`` words (the first always stays)."""
    out, used = [], 0
    for line in lines:
        n = len(line.split())
        if out and used + n > budget:
            break
        out.append(line)
        used += n
    return out
