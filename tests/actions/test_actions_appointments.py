"""Booking in the chat: offer -> choose a slot button -> confirm -> booked (code, .ics, list);
preferences, a slot taken in the meantime, cancel and reschedule with the code."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from assistant.booking import service as B
from assistant.booking.models import Appointment

TZ = ZoneInfo("Europe/Berlin")
KW = "kleinwalde_buergerbuero"


def slot_buttons(turn) -> list[dict]:
    return [b for b in turn.buttons() if '"slot:' in b["payload"]]


def slot_start(button: dict) -> dt.datetime:
    stamp = re.search(r'"slot:[a-z_]+\|(\d{8}T\d{4}Z)"', button["payload"]).group(1)
    return dt.datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=dt.timezone.utc).astimezone(TZ)


def start_booking(chat):
    turn = chat.say("book_appointment", "Ich möchte einen Termin für den Personalausweis in Kleinwalde",
                    {"service": "personalausweis", "place": "Kleinwalde"})
    assert turn.keys == ["utter_booking_offer"]
    return turn


def appointments(session) -> list[Appointment]:
    session.expire_all()
    return list(session.scalars(select(Appointment)))


def test_book_offer_choose_confirm_done(chat, session, public_url):
    turn = start_booking(chat)
    assert chat.flow["type"] == "booking" and chat.flow["office"] == KW and chat.flow["stage"] == "choose"
    buttons = slot_buttons(turn)
    assert [slot_start(b) for b in buttons] == [dt.datetime(2026, 11, 3, 9, tzinfo=TZ), dt.datetime(2026, 11, 5, 14, tzinfo=TZ),
                                                dt.datetime(2026, 11, 10, 9, tzinfo=TZ), dt.datetime(2026, 11, 12, 14, tzinfo=TZ)]
    assert all(b["payload"].startswith('/inform{"option": "slot:kleinwalde_buergerbuero|') for b in buttons)

    turn = chat.click(buttons[1])
    assert turn.keys == ["utter_booking_confirm"]
    assert chat.flow["stage"] == "confirm"
    assert dt.datetime.fromisoformat(chat.flow["slot"]) == dt.datetime(2026, 11, 5, 14, tzinfo=TZ)
    assert appointments(session) == []  # nothing booked before the confirmation

    turn = chat.click(turn.buttons()[0])  # "Ja, buchen" -> /affirm
    assert turn.keys == ["utter_booking_done"]
    assert chat.flow == {}
    (appt,) = appointments(session)
    assert B.utc(appt.start) == dt.datetime(2026, 11, 5, 14, tzinfo=TZ)
    assert (appt.office_id, appt.service_slug, appt.channel) == (KW, "personalausweis", "rest")
    code = appt.code
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    assert code in turn.message["text"]
    urls = [b["url"] for b in turn.buttons() if b.get("type") == "web_url"]
    assert f"{public_url}/termin/{code}.ics" in urls
    assert any(u.startswith(f"{public_url}/liste/") for u in urls)


def test_confirmation_delivered_twice_books_once(chat, session):
    """Two replicas (or a retry) run the same "Ja" on the same tracker state: one appointment,
    and both answers name its code. The flow id that keys it stays the same through the flow."""
    turn = start_booking(chat)
    flow_id = chat.state.flow.flow_id
    turn = chat.click(slot_buttons(turn)[0])
    assert chat.state.flow.flow_id == flow_id
    before = dict(chat.slots)
    first = chat.click(turn.buttons()[0])
    chat.slots = before  # the second delivery sees the tracker as it was before the first
    second = chat.click(turn.buttons()[0])
    assert first.keys == second.keys == ["utter_booking_done"]
    (appt,) = appointments(session)
    assert appt.code in first.message["text"] and appt.code in second.message["text"]


def test_preference_text_filters_offer(chat):
    start_booking(chat)
    turn = chat.say("inform", "lieber Donnerstag nachmittag")
    assert turn.keys == ["utter_booking_offer"]
    starts = [slot_start(b) for b in slot_buttons(turn)]
    assert starts and all(s.weekday() == 3 and s.hour >= 14 for s in starts)


def test_slot_taken_meanwhile_offers_others(chat, kb, session):
    turn = start_booking(chat)
    first = slot_buttons(turn)[0]
    chat.click(first)
    # someone else books the same slot before the resident confirms
    from assistant.db import get_sessionmaker

    B.book(get_sessionmaker(), kb, KW, "personalausweis", slot_start(first), dt.datetime(2026, 11, 2, 10, tzinfo=TZ), TZ)
    turn = chat.say("affirm", "/affirm")
    assert turn.keys == ["utter_booking_offer"]
    assert chat.flow["stage"] == "choose"
    assert slot_start(first) not in [slot_start(b) for b in slot_buttons(turn)]
    assert len(appointments(session)) == 1


def test_deny_at_confirmation_offers_again(chat, session):
    turn = start_booking(chat)
    chat.click(slot_buttons(turn)[0])
    turn = chat.say("deny", "/deny")
    assert turn.keys == ["utter_booking_offer"]
    assert chat.flow["stage"] == "choose"
    assert appointments(session) == []


def test_booking_asks_municipality_when_unknown(chat):
    turn = chat.say("book_appointment", "Termin für den Personalausweis", {"service": "personalausweis"})
    assert turn.keys == ["utter_ask_municipality"]
    assert chat.flow["type"] == "clarify" and chat.flow["topic"] == "booking"
    turn = chat.say("inform", "Kleinwalde", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_booking_offer"]
    assert chat.flow["office"] == KW


@pytest.fixture()
def fixed_code(monkeypatch):
    # the first code has a digit: codes without one are not recognised (see the xfail in tests/booking)
    original = B.new_code
    codes = iter(["K7M2QP"])
    monkeypatch.setattr(B, "new_code", lambda: next(codes, None) or original())
    return "K7M2QP"


def _book_first_slot(chat, later: bool = True) -> dt.datetime:
    """Book the first offered slot; ``later``: the resident comes back in a new conversation
    (the assistant no longer knows the code it just gave)."""
    turn = start_booking(chat)
    first = slot_buttons(turn)[0]
    chat.click(first)
    assert chat.say("affirm", "/affirm").keys == ["utter_booking_done"]
    if later:
        chat.slots.update({"dialogue": None, "service": None, "municipality": None})
    return slot_start(first)


def test_cancel_right_after_booking_uses_the_code_just_given(chat, session, fixed_code):
    _book_first_slot(chat, later=False)
    turn = chat.say("cancel_appointment", "oh, da kann ich doch nicht. kann ich den wieder absagen")
    assert turn.keys == ["utter_booking_confirm"] and fixed_code in turn.message["text"]
    assert chat.say("affirm", "ja, bitte absagen").keys == ["utter_cancel_done"]
    assert appointments(session) == []


def test_cancel_with_code_in_message(chat, session, fixed_code):
    booked = _book_first_slot(chat)
    turn = chat.say("cancel_appointment", f"Ich möchte meinen Termin absagen, Code {fixed_code}")
    assert turn.keys == ["utter_booking_confirm"]
    assert chat.flow_state == {"type": "cancel", "stage": "confirm", "purpose": "cancel", "code": fixed_code}
    assert len(appointments(session)) == 1
    turn = chat.say("affirm", "/affirm")
    assert turn.keys == ["utter_cancel_done"]
    assert appointments(session) == []
    # the slot is offered again
    turn = start_booking(chat)
    assert slot_start(slot_buttons(turn)[0]) == booked


def test_cancel_asks_for_code(chat, session, fixed_code):
    _book_first_slot(chat)
    turn = chat.say("cancel_appointment", "Ich möchte meinen Termin absagen")
    assert turn.keys == ["utter_ask_booking_code"]
    turn = chat.say("inform", "ZZZ999")
    assert turn.keys == ["utter_ask_booking_code"]  # unknown code: asked again
    turn = chat.say("inform", fixed_code.lower())
    assert turn.keys == ["utter_booking_confirm"]
    turn = chat.say("deny", "/deny")  # keep it after all
    assert len(appointments(session)) == 1
    assert chat.flow == {}


def test_reschedule_keeps_code(chat, session, fixed_code):
    old = _book_first_slot(chat)
    turn = chat.say("reschedule_appointment", f"Ich möchte meinen Termin {fixed_code} verschieben")
    assert turn.keys == ["utter_booking_offer"]
    assert chat.flow["reschedule"] == fixed_code
    target = next(b for b in slot_buttons(turn) if slot_start(b) != old)
    chat.click(target)
    turn = chat.say("affirm", "/affirm")
    assert turn.keys == ["utter_booking_done"]
    (appt,) = appointments(session)
    assert appt.code == fixed_code and B.utc(appt.start) == slot_start(target)
    assert fixed_code in turn.message["text"]


@pytest.mark.parametrize("misread_intent", ["ask_documents", "check_documents", "out_of_scope", "book_appointment",
                                            "ask_office", "ask_fees"])
def test_code_is_taken_whatever_intent_the_nlu_predicts(chat, session, fixed_code, misread_intent):
    """'der code ist K7M2QP' while we wait for a code must reach the cancel flow even when the
    NLU misreads the message (the random code makes the intent unpredictable)."""
    _book_first_slot(chat)
    assert chat.say("cancel_appointment", "Ich muss meinen Termin absagen").keys == ["utter_ask_booking_code"]
    turn = chat.say(misread_intent, f"der code ist {fixed_code}")
    assert turn.keys == ["utter_booking_confirm"]
    assert chat.say("affirm", "/affirm").keys == ["utter_cancel_done"]
    assert appointments(session) == []


def test_code_misread_as_chitchat_still_reaches_the_flow(chat, session, fixed_code):
    """Rules answer chit-chat with a fixed response and then action_resume_flow: that one must
    take a booking code the flow is waiting for."""
    _book_first_slot(chat)
    chat.say("cancel_appointment", "Ich muss meinen Termin absagen")
    turn = chat.say("bot_challenge", f"der code ist {fixed_code}", action="action_resume_flow")
    assert turn.keys == ["utter_booking_confirm"]
    assert chat.flow["stage"] == "confirm" and chat.flow["code"] == fixed_code
    assert chat.say("affirm", "/affirm").keys == ["utter_cancel_done"]


@pytest.mark.parametrize("order", ["name_then_yes", "stated_name_then_yes", "name_instead_of_yes"])
def test_office_that_needs_a_name(chat, session, order):
    """The Standesamt needs the resident's name. However the resident orders it (name, then "Ja";
    "Ja", then the name; the name as the answer to the confirmation), one appointment is booked in
    that name, and the name is never in the dialogue state Rasa stores (it waits in the booking
    database until the confirmation)."""
    from assistant.booking.models import HeldName

    turn = chat.say("book_appointment", "Termin beim Standesamt Musterstadt für die Geburtsurkunde",
                    {"service": "geburtsurkunde", "place": "Musterstadt"})
    assert turn.keys == ["utter_booking_offer"], turn.keys
    turn = chat.click(slot_buttons(turn)[0])
    if order == "name_then_yes":
        assert chat.flow["stage"] == "name" and "Namen" in turn.message["text"]
        turn = chat.say("inform", "Erika Mustermann")
        assert chat.flow["stage"] == "confirm" and "Mustermann" not in str(chat.slots)
        session.expire_all()
        assert [h.name for h in session.scalars(select(HeldName))] == ["Erika Mustermann"]
        turn = chat.say("affirm", "ja")
    elif order == "stated_name_then_yes":
        turn = chat.say("inform", "Ich heiße Erika Mustermann")
        turn = chat.say("affirm", "ja, passt")
    else:
        turn = chat.say("inform", "Erika Mustermann")
        turn = chat.say("inform", "Erika Mustermann") if turn.keys != ["utter_booking_done"] else turn
    assert turn.keys == ["utter_booking_done"], turn.keys
    (appt,) = appointments(session)
    assert appt.name == "Erika Mustermann" and appt.office_id == "musterstadt_standesamt"
    assert "Mustermann" not in str(chat.slots)
    session.expire_all()
    assert list(session.scalars(select(HeldName))) == []  # taken by the booking
