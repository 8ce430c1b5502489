"""What a conversation (sender) id may look like before it reaches a database.

Checked by the web proxy, the Telegram bridge and, in the scaled profile, by Rasa itself
(rasa_addons.tracker_store / rasa_addons.channels): a NUL byte or a 10 kB id must never reach
PostgreSQL (psycopg raises ValueError on NUL, which Rasa 3.6 takes for a missing schema and exits).
Pure standard library: imported in both Python environments.
"""
from __future__ import annotations

import re

MAX_LENGTH = 128
SENDER_RE = re.compile(r"^[A-Za-z0-9_\-:.@+=]{1,%d}$" % MAX_LENGTH)

INVALID_SENDER_DE = "Ungültige Absender-Kennung."


def is_valid_sender(sender: object) -> bool:
    """True for 1-128 characters of letters, digits and ``_-:.@+=`` (no spaces, no control bytes)."""
    return isinstance(sender, str) and SENDER_RE.fullmatch(sender) is not None
