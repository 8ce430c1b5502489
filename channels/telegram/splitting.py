"""Split long replies into Telegram messages (at most 4096 characters each).

Telegram counts message length in UTF-16 code units, so emoji and other characters outside the
Basic Multilingual Plane count twice; :func:`tg_len` measures exactly that. Cuts are made, in this
order of preference, at a paragraph break, a line break, the end of a sentence, a space, and only
if none exists in the second half of the window, in the middle of a word.
"""
from __future__ import annotations

import re

TELEGRAM_MAX_MESSAGE = 4096

_SENTENCE_END = re.compile(r"[.!?…:;»“\"')\]]\s")


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """Largest ``n`` such that ``text[:n]`` is at most ``limit`` UTF-16 units long."""
    if tg_len(text) <= limit:
        return len(text)
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _cut_position(window: str) -> int:
    """Where to cut ``window`` (a prefix of the remaining text that is already too long)."""
    floor = len(window) // 2  # never produce tiny pieces just to hit a boundary
    for sep in ("\n\n", "\n"):
        pos = window.rfind(sep)
        if pos >= floor:
            return pos + len(sep)
    last = None
    for match in _SENTENCE_END.finditer(window):
        if match.end() - 1 >= floor:
            last = match.end()
    if last is not None:
        return last
    pos = window.rfind(" ")
    if pos >= floor:
        return pos + 1
    return len(window)


def split_message(text: str, limit: int = TELEGRAM_MAX_MESSAGE) -> list[str]:
    """Pieces of ``text``, each non-empty and at most ``limit`` UTF-16 units long.

    Whitespace at a cut is dropped; the text inside each piece is unchanged.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    rest = text.strip()
    parts: list[str] = []
    while rest:
        n = _fit(rest, limit)
        if n >= len(rest):
            parts.append(rest)
            break
        cut = _cut_position(rest[: n + 1] if rest[n : n + 1].isspace() else rest[:n])
        cut = min(cut, n)
        piece = rest[:cut].rstrip()
        if not piece:  # only possible with pathological whitespace; cut hard
            piece, cut = rest[:n], n
        parts.append(piece)
        rest = rest[cut:].lstrip()
    return parts
