"""A simple check that a text shown to residents is German (used by the security and fuzz tests)."""
from __future__ import annotations

import re

GERMAN_WORDS = {
    "der", "die", "das", "den", "dem", "des", "und", "oder", "nicht", "kein", "keine", "bitte", "ist", "sind",
    "sie", "ihre", "ihr", "ich", "wir", "zu", "zum", "zur", "ein", "eine", "einen", "gibt", "es", "für", "mit",
    "von", "wie", "was", "wann", "wo", "auf", "bei", "kann", "können", "möchten", "haben", "hat", "gern",
    "danke", "tag", "guten", "hallo", "termin", "amt", "text", "anfrage", "nachricht", "ja", "nein", "noch",
    "mal", "leider", "diese", "dieser", "dieses", "hier", "dazu", "sagen", "ungültig", "ungültige", "zurück",
}
ENGLISH_ERRORS = re.compile(r"Internal Server Error|Not Found|Bad Request|Traceback|Exception|Method Not Allowed|"
                            r"Request Entity Too Large|Unsupported Media Type|Server got itself in trouble|"
                            r"Forbidden|Too Many Requests", re.I)


def looks_german(text: str) -> bool:
    """Not empty, no English error text, and German words or umlauts."""
    if not isinstance(text, str) or not text.strip() or ENGLISH_ERRORS.search(text):
        return False
    if re.search("[äöüÄÖÜß„“]", text):
        return True
    words = set(re.findall(r"[a-zäöüß]+", text.lower()))
    return len(words & GERMAN_WORDS) >= 1
