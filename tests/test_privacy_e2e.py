"""Privacy over the real stack (trained model, action server, web server, redacting tracker store):
a phone number typed in the callback flow reaches the callback record, and nowhere else."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid

import pytest

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

PHONE = "0345 7654321"
DIGITS = "7654321"


def _texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_callback_number_is_stored_only_in_the_callback_record(stack, monkeypatch) -> None:
    sender = f"e2e-privacy-{uuid.uuid4().hex[:8]}"
    asked = stack.chat('/request_human{"option": "callback"}', sender)
    assert "Telefonnummer" in _texts(asked)
    when = stack.chat(f"Meine Nummer ist {PHONE}, mail erika@example.org", sender)
    assert "Wann passt es" in _texts(when)
    done = stack.chat("/dont_know", sender)
    assert "gespeichert" in _texts(done)
    jar, sender = sender, stack.web_sender(sender)  # the server-issued Rasa sender of this conversation
    del jar

    # the callback record has the number (the flow got it in the same turn, and the next turn too)
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT phone, preferred_time FROM callback_request").fetchall()
    assert (PHONE, "egal") in rows

    # the tracker store has the conversation, without the number or the e-mail address
    with sqlite3.connect(stack.tracker_db) as db:
        events = [json.loads(d) for (d,) in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert any("[Telefon]" in t and "[E-Mail]" in t for t in users), users
    stored = json.dumps(events)
    assert DIGITS not in stored and "erika@example.org" not in stored

    # no log file of any process has it
    for log in [*sorted((stack.var_dir / "log").glob("*.log")), stack.var_dir / "run.log"]:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert DIGITS not in text and "erika@example.org" not in text, log.name

    # the staff inbox shows nothing unredacted (and only what is retained)
    from assistant.curation import inbox

    turns = inbox.load_turns(f"sqlite:///{stack.tracker_db}", dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))
    shown = [t.display_text() for t in turns.get(sender, [])]
    assert shown and all(DIGITS not in s for s in shown)

    # export: the resident sees everything stored, including the callback with the number
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", stack.database_url)
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{stack.tracker_db}")
    from assistant.config import get_settings
    from assistant.privacy import delete_conversation, export_conversation

    get_settings.cache_clear()
    try:
        data = export_conversation(sender)
        assert [c["phone"] for c in data["callbacks"]] == [PHONE]
        assert len(data["tracker_events"]) == len(events)
        deleted = delete_conversation(sender)
        assert deleted["callbacks"] == 1 and deleted["events"] == len(events)
        assert export_conversation(sender)["callbacks"] == []
    finally:
        get_settings.cache_clear()


def test_privacy_page_is_served_and_linked(stack) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{stack.web_url}/datenschutz", timeout=30) as resp:
        body = resp.read().decode("utf-8")
    assert "Was ich speichere" in body and "nach 30 Tagen" in body
