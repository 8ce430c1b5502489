"""``assistant privacy export`` returns exactly one conversation's data; ``delete`` removes exactly it."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
)

from assistant import db
from assistant.config import get_settings

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.timezone.utc)
META = MetaData()
# the columns of rasa.core.tracker_store.SQLTrackerStore.SQLEvent
EVENTS = Table("events", META, Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
               Column("type_name", String(255)), Column("timestamp", Float), Column("intent_name", String(255)),
               Column("action_name", String(255)), Column("data", Text))


@pytest.fixture()
def env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", tracker)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    engine = db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _resident(sender: str, phone: str, code: str, token: str, text: str) -> None:
    """One conversation with everything the assistant can store about it."""
    from assistant.booking.models import Appointment
    from assistant.booking.service import add_callback
    from assistant.checklist.store import ChecklistRow
    from assistant.feedback import record
    from assistant.privacy import link

    engine = create_engine(get_settings().effective_tracker_url)
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(EVENTS.insert(), [
            {"sender_id": sender, "type_name": "user", "timestamp": NOW.timestamp(), "intent_name": "inform",
             "data": json.dumps({"event": "user", "text": text})},
            {"sender_id": sender, "type_name": "bot", "timestamp": NOW.timestamp() + 1,
             "intent_name": None, "data": json.dumps({"event": "bot", "text": f"Antwort an {sender}"})}])
    engine.dispose()
    with db.get_sessionmaker()() as session:
        cb = add_callback(session, "kleinwalde_buergerbuero", "Wohngeld", phone, "vormittags", NOW)
        link(session, sender, "callback", cb.id)
        session.add(ChecklistRow(token=token, service_slug="personalausweis", municipality_id="kleinwalde",
                                 answers={"erstantrag": False}, created_at=NOW))
        link(session, sender, "checklist", token)
        session.add(Appointment(code=code, office_id="kleinwalde_buergerbuero", service_slug="personalausweis",
                                start=NOW + dt.timedelta(days=3), end=NOW + dt.timedelta(days=3, minutes=15),
                                counter=1, channel="web", created_at=NOW))
        link(session, sender, "appointment", code)
        session.commit()
    record(sender, "down", f"Antwort an {sender}", "web", now=NOW)


def test_export_returns_exactly_one_conversation(env) -> None:
    from assistant.privacy import export_conversation

    _resident("web:anna", "0171 1111111", "AAA22A", "tokenanna", "Frage von Anna")
    _resident("web:bernd", "0172 2222222", "BBB33B", "tokenbernd", "Frage von Bernd")
    data = export_conversation("web:anna", env)
    assert [e["text"] for e in data["tracker_events"]] == ["Frage von Anna", "Antwort an web:anna"]
    assert [c["phone"] for c in data["callbacks"]] == ["0171 1111111"]
    assert [c["token"] for c in data["checklists"]] == ["tokenanna"]
    assert [a["code"] for a in data["appointments"]] == ["AAA22A"]
    assert [f["answer"] for f in data["feedback"]] == ["Antwort an web:anna"]
    dumped = json.dumps(data)
    for other in ("bernd", "0172 2222222", "BBB33B", "tokenbernd"):
        assert other not in dumped
    assert data["retention_days"]["conversation"] == env.conversation_retention_days
    assert export_conversation("web:nobody", env)["callbacks"] == []


def test_delete_removes_exactly_one_conversation(env) -> None:
    from assistant.booking.models import Appointment
    from assistant.privacy import delete_conversation, export_conversation

    _resident("tg:1", "0171 1111111", "AAA22A", "tokenanna", "Frage 1")
    _resident("tg:2", "0172 2222222", "BBB33B", "tokenbernd", "Frage 2")
    before = export_conversation("tg:2", env)
    out = delete_conversation("tg:1")  # settings are optional: the widget and Telegram call it like this
    assert out["events"] == 2 and out["callbacks"] == 1 and out["checklists"] == 1 and out["feedback"] == 1
    gone = export_conversation("tg:1", env)
    assert all(gone[k] == [] for k in ("tracker_events", "callbacks", "checklists", "feedback", "appointments"))
    after = export_conversation("tg:2", env)
    assert {k: v for k, v in after.items() if k != "exported_at"} == {
        k: v for k, v in before.items() if k != "exported_at"}
    with db.get_sessionmaker()() as session:  # the office keeps the appointment itself
        assert session.query(Appointment).filter_by(code="AAA22A").one()


def test_cli_export_and_delete(env, capsys) -> None:
    from assistant.cli import main

    _resident("web:cli", "0171 3333333", "CCC44C", "tokencli", "Frage CLI")
    assert main(["privacy", "export", "web:cli"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sender"] == "web:cli" and data["callbacks"][0]["phone"] == "0171 3333333"
    assert main(["privacy", "delete", "web:cli"]) == 0
    assert "1 Rückrufbitten" in capsys.readouterr().out
    assert main(["privacy", "export", "web:cli"]) == 0
    assert json.loads(capsys.readouterr().out)["callbacks"] == []
    assert main(["privacy", "export", " "]) == 2
    assert "Gesprächs-Kennung" in capsys.readouterr().err


def test_purge_removes_links_of_expired_records(env) -> None:
    from assistant.privacy import DataOwner, purge_all

    _resident("web:old", "0171 4444444", "DDD55D", "tokenold", "Frage alt")
    out = purge_all(env, NOW + dt.timedelta(days=400))
    assert out["appointments_callbacks"] == 2 and out["checklists"] == 1 and out["events"] == 2
    assert out["links"] == 3
    with db.get_sessionmaker()() as session:
        assert session.query(DataOwner).count() == 0
