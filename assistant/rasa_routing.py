"""Which Rasa process answers a conversation, when several run side by side (embedded profile,
``ASSISTANT_RASA_PROCESSES``; docs/adr/0017-two-rasa-processes.md).

Every message of one sender goes to the same process: a stable hash of the sender id (SHA-256, not
Python's per-process ``hash()``) picks it. That keeps Rasa's in-memory lock store sufficient: two
messages of one conversation never run in two processes at once. The processes share the SQLite
tracker store, so the others can take over a conversation while its process is down
(:func:`candidates`: only when the owner cannot be reached at all, i.e. the request never left).

Pure standard library: the web server and the Telegram bridge use it.
"""
from __future__ import annotations

import hashlib
from typing import Sequence


def owner_index(sender: str, count: int) -> int:
    """The index (0 … count-1) of the process that owns ``sender``; the same in every process."""
    if count <= 1:
        return 0
    digest = hashlib.sha256(sender.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count


def rasa_for(sender: str, urls: Sequence[str]) -> str:
    """The base URL of the Rasa process that owns ``sender``."""
    if not urls:
        raise ValueError("no Rasa URL configured")
    return urls[owner_index(sender, len(urls))]


def candidates(sender: str, urls: Sequence[str]) -> list[str]:
    """The owner first, then the other processes in a fixed order (failover when the owner refuses
    connections, e.g. while the supervisor restarts it)."""
    if not urls:
        raise ValueError("no Rasa URL configured")
    first = owner_index(sender, len(urls))
    return [urls[(first + i) % len(urls)] for i in range(len(urls))]
