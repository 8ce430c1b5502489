"""Human hand-off: phone while the office is open, otherwise a stored callback request."""
from __future__ import annotations

import json

from sqlalchemy import select

from assistant.booking.models import CallbackRequest


def test_callback_when_office_closed(chat, clock, session, kb):
    clock.set(2026, 11, 2, 10, 0)  # Monday: Kleinwalde's Bürgerbüro is closed
    turn = chat.say("request_human", "Ich möchte mit einem Menschen sprechen", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_callback_ask"]
    assert [b["payload"] for b in turn.buttons()] == ["/affirm", "/deny"]
    assert chat.flow_state == {"type": "callback", "stage": "offer", "topic": "allgemeine Frage",
                         "office": "kleinwalde_buergerbuero"}

    turn = chat.say("affirm", "/affirm")
    assert turn.keys == ["utter_callback_ask"]
    assert chat.flow["stage"] == "phone"

    turn = chat.say("inform", "Das ist ein Wort, keine Nummer")
    assert turn.keys == ["utter_callback_ask"] and chat.flow["stage"] == "phone"  # asked again

    turn = chat.say("inform", "0345 123456")
    assert turn.keys == ["utter_callback_ask"]
    # the number goes straight into the callback record; the conversation state keeps only its id
    assert chat.flow["stage"] == "time" and "phone" not in chat.flow
    (pending,) = session.scalars(select(CallbackRequest)).all()
    assert chat.flow["callback_id"] == pending.id and pending.phone == "0345 123456"
    assert "0345" not in json.dumps(chat.flow)

    turn = chat.click(next(b for b in turn.buttons() if "vormittags" in b["payload"]))
    assert turn.keys == ["utter_callback_done"]
    assert chat.flow == {}
    session.expire_all()
    (req,) = session.scalars(select(CallbackRequest)).all()
    assert (req.office_id, req.phone, req.preferred_time, req.topic) == (
        "kleinwalde_buergerbuero", "0345 123456", "vormittags", "allgemeine Frage")
    assert req.done_at is None


def test_callback_topic_is_the_service(chat, clock, session, kb):
    clock.set(2026, 11, 2, 10, 0)
    chat.say("request_human", "Mitarbeiter bitte", {"place": "Kleinwalde", "service": "hund_anmelden"})
    chat.say("inform", "Meine Nummer: +49 345 1234567")  # a number right away skips the yes
    assert chat.flow["stage"] == "time"
    turn = chat.say("dont_know", "/dont_know")
    assert turn.keys == ["utter_callback_done"]
    (req,) = session.scalars(select(CallbackRequest)).all()
    assert req.topic == kb.services["hund_anmelden"].short_name
    assert req.phone == "+49 345 1234567" and req.preferred_time == "egal"


def test_number_and_time_in_one_message_complete_the_callback(chat, clock, session):
    clock.set(2026, 11, 2, 10, 0)
    chat.say("request_human", "Mensch bitte", {"place": "Kleinwalde"})
    chat.say("affirm", "ja")
    turn = chat.say("inform", "0151 2345678, am besten vormittags")
    assert turn.keys == ["utter_callback_done"]
    assert chat.flow == {}
    (req,) = session.scalars(select(CallbackRequest)).all()
    assert req.phone == "0151 2345678" and "vormittags" in req.preferred_time


def test_a_number_alone_still_asks_for_the_time(chat, clock, session):
    clock.set(2026, 11, 2, 10, 0)
    chat.say("request_human", "Mensch bitte", {"place": "Kleinwalde"})
    turn = chat.say("inform", "meine nummer ist 0151 2345678")
    assert turn.keys == ["utter_callback_ask"] and chat.flow["stage"] == "time"


def test_declining_the_callback_stores_nothing(chat, clock, session):
    clock.set(2026, 11, 2, 10, 0)
    chat.say("request_human", "Mensch bitte", {"place": "Kleinwalde"})
    turn = chat.say("deny", "/deny")
    assert turn.keys == ["utter_what_else"]
    assert chat.flow == {}
    assert session.scalars(select(CallbackRequest)).all() == []


def test_phone_number_while_office_is_open(chat, clock, kb):
    clock.set(2026, 11, 3, 10, 0)  # Tuesday 10:00: open
    turn = chat.say("request_human", "Ich möchte mit einem Menschen sprechen", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_human_phone"]
    assert kb.offices["kleinwalde_buergerbuero"].phone in turn.message["text"]
    assert [b["payload"] for b in turn.buttons()] == ['/request_human{"option": "callback"}']
    turn = chat.click(turn.buttons()[0])
    assert turn.keys == ["utter_callback_ask"]
    assert chat.flow["stage"] == "phone"


def test_holiday_counts_as_closed(chat, clock):
    clock.set(2026, 1, 6, 10, 0)  # Tuesday, Heilige Drei Könige
    turn = chat.say("request_human", "Ich möchte mit einem Menschen sprechen", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_callback_ask"]


def test_callback_belongs_to_the_conversation(chat, clock, session, tmp_path, monkeypatch):
    """The callback record is linked to the sender: export shows it, delete removes it."""
    from assistant.config import get_settings
    from assistant.privacy import delete_conversation, export_conversation

    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    get_settings.cache_clear()
    clock.set(2026, 11, 2, 10, 0)
    chat.say("request_human", "Mitarbeiter bitte", {"place": "Kleinwalde"})
    chat.say("inform", "0345 998877")
    assert [c["phone"] for c in export_conversation(chat.sender)["callbacks"]] == ["0345 998877"]
    assert export_conversation("someone-else")["callbacks"] == []
    assert delete_conversation(chat.sender)["callbacks"] == 1
    session.expire_all()
    assert session.scalars(select(CallbackRequest)).all() == []
