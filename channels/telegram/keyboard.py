"""Rasa buttons → Telegram inline keyboards.

Telegram limits ``callback_data`` to 64 bytes, Rasa payloads can be much longer
(``/inform{"option": "slot:kleinwalde_buergerbuero|20261201T0800Z"}``). Each payload is therefore
mapped to a short key (``p:`` + 16 characters of a SHA-1 digest, 18 bytes) that is stored with the
payload in the bridge's small state database; the key is stable, so the map does not grow with
every answer. Buttons that open a web page become URL buttons.
"""
from __future__ import annotations

import base64
import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistant.formatting import shorten

MAX_CALLBACK_DATA = 64
PAYLOAD_PREFIX = "p:"
FEEDBACK_UP = "fb:up"
FEEDBACK_DOWN = "fb:down"
DELETE_YES = "del:yes"
DELETE_NO = "del:no"
FEEDBACK_KEYS = (FEEDBACK_UP, FEEDBACK_DOWN)
MAX_TITLE = 64

Remember = Callable[[str, str, str], None]


def callback_key(payload: str) -> str:
    """Short, stable ``callback_data`` for a payload of any length (always 18 ASCII bytes)."""
    digest = hashlib.sha1(payload.encode("utf-8")).digest()[:12]
    return PAYLOAD_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")


def is_payload_key(data: Optional[str]) -> bool:
    return bool(data) and data.startswith(PAYLOAD_PREFIX)  # type: ignore[union-attr]


def button_url(button: dict[str, Any]) -> Optional[str]:
    """The URL of a link button (``type: web_url`` or an http(s) payload), else ``None``."""
    if button.get("type") == "web_url":
        url = str(button.get("url") or button.get("payload") or "")
        return url or None
    payload = str(button.get("payload") or "")
    if payload.lower().startswith(("http://", "https://")):
        return payload
    return None


def telegram_accepts_url(url: str) -> bool:
    """Telegram refuses URL buttons for non-public hosts (localhost, 127.0.0.1, ...)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return address.is_global


@dataclass
class Keyboard:
    """What to attach to a message: an inline keyboard and/or link lines to append to the text."""

    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)
    link_lines: list[str] = field(default_factory=list)

    @property
    def has_choices(self) -> bool:
        """True if any button sends something back (not only links)."""
        return any(b.callback_data is not None for row in self.rows for b in row)

    def markup(self) -> Optional[InlineKeyboardMarkup]:
        return InlineKeyboardMarkup(self.rows) if self.rows else None


def _per_row(titles: list[str]) -> int:
    longest = max((len(t) for t in titles), default=0)
    if longest <= 12:
        return 3
    if longest <= 20:
        return 2
    return 1


def build_keyboard(buttons: Iterable[dict[str, Any]], remember: Remember) -> Keyboard:
    """Inline keyboard for Rasa ``buttons``; ``remember(key, payload, title)`` stores the key map.

    URL buttons Telegram would refuse (local addresses) are appended to the text as
    ``"Titel: URL"`` lines instead, so the link still works (Telegram auto-links URLs).
    """
    keyboard = Keyboard()
    plain: list[InlineKeyboardButton] = []
    for raw in buttons:
        if not isinstance(raw, dict):
            continue
        title = shorten(str(raw.get("title") or raw.get("payload") or "").strip(), MAX_TITLE)
        url = button_url(raw)
        if url:
            if telegram_accepts_url(url):
                keyboard.rows.append([InlineKeyboardButton(title or url, url=url)])
            else:
                keyboard.link_lines.append(f"{title}: {url}" if title else url)
            continue
        payload = str(raw.get("payload") or title)
        if not payload:
            continue
        key = callback_key(payload)
        remember(key, payload, title or payload)
        plain.append(InlineKeyboardButton(title or payload, callback_data=key))
    if plain:
        n = _per_row([b.text for b in plain])
        choice_rows = [plain[i : i + n] for i in range(0, len(plain), n)]
        keyboard.rows = choice_rows + keyboard.rows
    return keyboard


def feedback_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton("👍 Hilfreich", callback_data=FEEDBACK_UP),
            InlineKeyboardButton("👎 Nicht hilfreich", callback_data=FEEDBACK_DOWN)]


def without_feedback(markup: Optional[InlineKeyboardMarkup]) -> Optional[InlineKeyboardMarkup]:
    """The same keyboard without the feedback buttons (``None`` if nothing is left)."""
    if markup is None:
        return None
    rows = [[b for b in row if b.callback_data not in FEEDBACK_KEYS] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def delete_confirmation() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Ja, löschen", callback_data=DELETE_YES),
                                  InlineKeyboardButton("Nein, behalten", callback_data=DELETE_NO)]])
