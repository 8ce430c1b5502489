"""The bridge's only persistent state, in one small SQLite file under the var dir.

* ``callback``: short callback key → Rasa payload and button title (see :mod:`.keyboard`).
* ``chat_pref``: per chat, whether the resident wants spoken replies (``/stimme an|aus``).
* ``outbox``: messages that arrived while Rasa was unreachable, answered by a retry task.

The conversation itself lives in Rasa's tracker store, not here. Every operation is a single
short statement, so calling this from the event loop is fine.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS callback (
    key TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    title TEXT NOT NULL,
    used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_pref (
    chat_id INTEGER PRIMARY KEY,
    voice_replies INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    spoken INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_chat ON outbox (chat_id, id);
"""


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    text: str
    spoken: bool
    created_at: float
    attempts: int


class BridgeState:
    """Thread-safe wrapper around the SQLite file (``:memory:`` works for tests)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # callback keys --------------------------------------------------------------------------
    def remember_callback(self, key: str, payload: str, title: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO callback (key, payload, title, used_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET payload=excluded.payload, title=excluded.title, "
                "used_at=excluded.used_at", (key, payload, title, time.time()))

    def lookup_callback(self, key: str) -> Optional[tuple[str, str]]:
        """``(payload, title)`` or ``None`` if the key is unknown (or was pruned)."""
        with self._lock:
            row = self._db.execute("SELECT payload, title FROM callback WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def prune_callbacks(self, max_age_seconds: float, now: Optional[float] = None) -> int:
        cutoff = (now or time.time()) - max_age_seconds
        with self._lock:
            return self._db.execute("DELETE FROM callback WHERE used_at < ?", (cutoff,)).rowcount

    # preferences ----------------------------------------------------------------------------
    def voice_replies(self, chat_id: int, default: bool = True) -> bool:
        with self._lock:
            row = self._db.execute("SELECT voice_replies FROM chat_pref WHERE chat_id = ?", (chat_id,)).fetchone()
        return default if row is None else bool(row[0])

    def set_voice_replies(self, chat_id: int, enabled: bool) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO chat_pref (chat_id, voice_replies) VALUES (?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET voice_replies=excluded.voice_replies", (chat_id, int(enabled)))

    # outbox ---------------------------------------------------------------------------------
    def outbox_add(self, chat_id: int, text: str, spoken: bool, now: Optional[float] = None) -> int:
        with self._lock:
            cur = self._db.execute("INSERT INTO outbox (chat_id, text, spoken, created_at) VALUES (?, ?, ?, ?)",
                                   (chat_id, text, int(spoken), now or time.time()))
            return int(cur.lastrowid or 0)

    def outbox_items(self, chat_id: Optional[int] = None) -> list[OutboxItem]:
        """Pending items, oldest first (optionally of one chat)."""
        sql = "SELECT id, chat_id, text, spoken, created_at, attempts FROM outbox"
        args: tuple[object, ...] = ()
        if chat_id is not None:
            sql += " WHERE chat_id = ?"
            args = (chat_id,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        return [OutboxItem(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]

    def outbox_chats(self) -> list[int]:
        """Chats with pending items, the one with the oldest item first."""
        with self._lock:
            rows = self._db.execute("SELECT chat_id FROM outbox GROUP BY chat_id ORDER BY MIN(id)").fetchall()
        return [r[0] for r in rows]

    def outbox_remove(self, item_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def outbox_attempted(self, item_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (item_id,))

    # privacy --------------------------------------------------------------------------------
    def forget_chat(self, chat_id: int) -> dict[str, int]:
        """Delete everything stored about one chat (``/loeschen``)."""
        with self._lock:
            outbox = self._db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,)).rowcount
            prefs = self._db.execute("DELETE FROM chat_pref WHERE chat_id = ?", (chat_id,)).rowcount
        return {"outbox": outbox, "preferences": prefs}
