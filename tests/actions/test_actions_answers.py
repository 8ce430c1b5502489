"""Topic answers: office (asks the municipality first), opening hours, fees, online hand-off."""
from __future__ import annotations

import pytest

from assistant import formatting


def test_office_without_municipality_asks_then_answers(chat, kb):
    turn = chat.say("ask_office", "Wo ist das Bürgerbüro?")
    assert turn.keys == ["utter_ask_municipality"]
    assert {b["title"] for b in turn.buttons()} == {m.name for m in kb.municipalities.values()}
    assert chat.flow_state == {"type": "pending", "topic": "office", "resume": None, "destination": None}

    turn = chat.say("inform", "Kleinwalde", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_office"]
    assert chat.slots["municipality"] == "kleinwalde"
    assert chat.slots["last_topic"] == "office"
    assert chat.flow == {}
    office = kb.offices["kleinwalde_buergerbuero"]
    text = turn.message["text"]
    assert office.name in text and office.phone in text and office.address.street in text
    maps = [b for b in turn.buttons() if b.get("type") == "web_url"]
    assert maps and f"mlat={office.geo.lat}" in maps[0]["url"]


def test_office_by_button_payload(chat, kb):
    chat.say("ask_office", "/ask_office")
    turn = chat.click({"payload": '/inform{"place": "Eichenbrück"}'})
    assert turn.keys == ["utter_office"]
    assert chat.slots["municipality"] == "eichenbrueck"
    assert kb.offices["buergermobil"].name in turn.message["text"]  # Eichenbrück is served by the Bürgermobil


def test_follow_up_with_other_municipality_reanswers_last_topic(chat, kb):
    chat.say("ask_office", "Wo ist das Bürgerbüro?", {"place": "Kleinwalde"})
    turn = chat.say("inform", "und in Musterstadt?", {"place": "Musterstadt"})
    assert turn.keys == ["utter_office"]
    assert kb.offices["musterstadt_buergerbuero"].phone in turn.message["text"]


def test_opening_hours_of_named_municipality(chat, kb):
    turn = chat.say("ask_opening_hours", "Wann hat das Bürgerbüro in Kleinwalde offen?", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_opening_hours"]
    assert "Dienstag: 9:00–12:00 Uhr" in turn.message["text"]  # weekly lines from the data
    assert "Donnerstag: 14:00–18:00 Uhr" in turn.message["text"]


def test_fees_for_dog_use_local_fees(chat, kb):
    turn = chat.say("ask_fees", "Was kostet die Hundesteuer?", {"service": "hund_anmelden"})
    assert turn.keys == ["utter_ask_municipality"]  # fees differ per municipality
    assert chat.flow["topic"] == "fees"
    turn = chat.say("inform", "Kleinwalde", {"place": "Kleinwalde"})
    assert turn.keys == ["utter_fees"]
    text = turn.message["text"]
    local = kb.municipalities["kleinwalde"].services["hund_anmelden"].fees
    assert local[0].label in text and formatting.money(local[0].amount) in text
    for fee in kb.services["hund_anmelden"].fees:  # national fees are replaced
        assert fee.label not in text
    assert "Kleinwalde" in text


def test_fees_without_local_rules_need_no_municipality(chat, kb):
    turn = chat.say("ask_fees", "Was kostet ein Reisepass?", {"service": "reisepass"})
    assert turn.keys == ["utter_fees"]
    assert kb.services["reisepass"].fees[0].label in turn.message["text"]


def test_online_service_gets_url_button(chat, kb):
    turn = chat.say("ask_online", "Kann ich das Führungszeugnis online beantragen?", {"service": "fuehrungszeugnis"})
    assert turn.keys == ["utter_online"]
    links = [b for b in turn.buttons() if b.get("type") == "web_url"]
    assert [b["url"] for b in links] == [kb.services["fuehrungszeugnis"].online.url]
    assert links[0]["url"].startswith("https://")
    assert chat.slots["last_topic"] == "online"


def test_service_not_online_offers_appointment(chat):
    turn = chat.say("ask_online", "Geht der Reisepass online?", {"service": "reisepass"})
    assert turn.keys == ["utter_not_online"]
    assert not [b for b in turn.buttons() if b.get("type") == "web_url"]
    assert '/book_appointment{"service": "reisepass"}' in [b["payload"] for b in turn.buttons()]


def test_online_without_service_asks_for_service(chat):
    turn = chat.say("ask_online", "/ask_online")
    assert turn.keys == ["utter_ask_service"]
    assert all(b["payload"].startswith('/inform{"service": ') for b in turn.buttons())
    turn = chat.say("inform", "Führungszeugnis", {"service": "Führungszeugnis"})
    assert turn.keys == ["utter_online"]
    assert chat.slots["service"] == "fuehrungszeugnis"


def test_howto(chat):
    turn = chat.say("ask_howto", "Wie melde ich meinen Wohnsitz an?", {"service": "wohnsitz_anmelden"})
    assert turn.keys == ["utter_howto"]


def test_opening_hours_mention_the_next_closure(chat, clock, kb):
    clock.set(2026, 12, 1, 10, 0)
    turn = chat.say("ask_opening_hours", "Wann hat das Bürgerbüro in Kleinwalde offen?", {"place": "Kleinwalde"})
    assert "Heiligabend" in turn.message["text"]  # closure reason from the data (24.12.)


def test_opening_hours_mention_an_ongoing_closure(chat, clock, kb):
    clock.set(2026, 8, 10, 10, 0)  # inside Kleinwalde's closure 4.-20.8.2026 (Urlaub)
    turn = chat.say("ask_opening_hours", "Wann hat das Bürgerbüro in Kleinwalde offen?", {"place": "Kleinwalde"})
    reason = next(c.reason for c in kb.offices["kleinwalde_buergerbuero"].hours.closures if c.until)
    assert reason in turn.message["text"]
