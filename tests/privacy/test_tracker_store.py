"""The real RedactingSQLTrackerStore (Rasa 3.6, SQLite and PostgreSQL) stores no personal data."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

SECRETS = ("0171 1234567", "0171", "max@example.org", "DE89370400440532013000")


def _rows(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [(t, d) for t, d in conn.execute(text("SELECT type_name, data FROM events ORDER BY id"))]
    finally:
        engine.dispose()


def test_stored_events_are_redacted_and_the_dialogue_state_survives(tracker_db) -> None:
    flow = json.dumps({"type": "callback", "stage": "time", "phone": "0171 1234567", "callback_id": 7,
                       "slot": "2026-12-04T09:00:00+01:00"})
    out = tracker_db.rasa("save", {"sender": "web:probe", "turns": [
        {"user": "Rückruf bitte unter 0171 1234567", "bot": "Ich rufe 0171 1234567 an", "flow": flow,
         "session": True, "ts": 1_000_000},
        {"user": "mail max@example.org, IBAN DE89370400440532013000", "bot": "Danke", "ts": 1_000_010},
    ]})
    rows = _rows(tracker_db.url)
    assert out["events"] == len(rows) > 8
    stored = "\n".join(d for _, d in rows)
    for secret in SECRETS:
        assert secret not in stored
    users = [json.loads(d) for t, d in rows if t == "user"]
    assert [u["text"] for u in users] == ["Rückruf bitte unter [Telefon]", "mail [E-Mail], IBAN [IBAN]"]
    assert users[0]["parse_data"]["intent"]["name"] == "inform"
    (slot,) = [json.loads(json.loads(d)["value"]) for t, d in rows if t == "slot"]
    assert slot == {"type": "callback", "stage": "time", "phone": "[entfernt]", "callback_id": 7,
                    "slot": "2026-12-04T09:00:00+01:00"}
    # the next turn appends exactly one user message and one action (nothing stored twice)
    assert tracker_db.rasa("append", {"sender": "web:probe", "text": "danke"})["events"] == len(rows) + 2
