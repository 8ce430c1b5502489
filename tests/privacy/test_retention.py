"""Conversation retention on real SQLite and PostgreSQL tracker stores written by Rasa's own
(redacting) SQLTrackerStore: old events go, newer ones stay, Rasa keeps appending correctly."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text

from assistant.privacy import purge_tracker

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)
DAY = 86400.0


def _ts(days_ago: float) -> float:
    return NOW.timestamp() - days_ago * DAY


def _turns(days_ago: float, n: int, session: bool = True) -> list[dict]:
    return [{"user": f"Frage {i}", "bot": "Antwort", "ts": _ts(days_ago) + i, "session": session and i == 0}
            for i in range(n)]


def _events(url: str) -> dict[str, list[float]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    out: dict[str, list[float]] = {}
    try:
        with engine.connect() as conn:
            for sender, ts in conn.execute(text("SELECT sender_id, timestamp FROM events ORDER BY id")):
                out.setdefault(sender, []).append(ts)
    finally:
        engine.dispose()
    return out


def test_old_events_go_newer_stay_in_batches(tracker_db) -> None:
    tracker_db.rasa("save", {"conversations": [
        {"sender": "old", "turns": _turns(40, 3)},                          # idle for 40 days: all goes
        {"sender": "returning", "turns": _turns(45, 2) + _turns(1, 2)},      # old session goes, new stays
        {"sender": "recent", "turns": _turns(2, 3)},                         # stays
        {"sender": "edge", "turns": _turns(29.9, 1)},                        # just inside the period: stays
    ]})
    before = _events(tracker_db.url)
    assert set(before) == {"old", "returning", "recent", "edge"}

    deleted = purge_tracker(tracker_db.url, NOW, retention_days=30, batch=4)

    after = _events(tracker_db.url)
    assert "old" not in after
    cutoff = _ts(30)
    assert all(ts >= cutoff for ts in after["returning"])
    assert len(after["returning"]) == len([t for t in before["returning"] if t >= cutoff]) > 0
    assert after["recent"] == before["recent"] and after["edge"] == before["edge"]
    assert deleted == sum(len(v) for v in before.values()) - sum(len(v) for v in after.values())
    assert purge_tracker(tracker_db.url, NOW, retention_days=30) == 0  # nothing left to do

    # Rasa continues the returning conversation without storing anything twice
    n = len(after["returning"])
    assert tracker_db.rasa("append", {"sender": "returning", "text": "noch eine Frage"})["events"] == n + 2


def test_nothing_to_purge_on_an_empty_store(tmp_path) -> None:
    assert purge_tracker(f"sqlite:///{tmp_path / 'none.db'}", NOW, 30) == 0
