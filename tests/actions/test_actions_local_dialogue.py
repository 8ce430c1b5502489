"""The generic local-dialogue actions: the gate (only residents or when named) and the table lookup."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.local_dialogue import ActionLocalGate, ActionLocalLookup
from assistant.answers.reply import parse_payload


def run(action, intent: str, text: str, slots: dict[str, Any], entities: Optional[list] = None,
        events: Optional[list] = None):
    latest = {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or [], "text": text}
    tracker = Tracker("t", {"municipality": None, **slots}, latest, events or [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, result


def test_gate_lets_residents_through(clock):
    messages, events = run(ActionLocalGate(), "kleinwalde_sperrmuell_strasse", "wann ist sperrmüll in meiner straße",
                           {"municipality": "kleinwalde"})
    assert messages == [] and events == []


def test_gate_lets_through_when_the_municipality_is_named(clock):
    ents = [{"entity": "place", "value": "Oberwalde", "start": 30, "end": 39}]
    messages, events = run(ActionLocalGate(), "kleinwalde_sperrmuell_strasse", "wann ist sperrmüll bei uns in Oberwalde",
                           {"municipality": "auental"}, ents)
    assert messages == []
    assert events == [{"event": "slot", "timestamp": None, "name": "municipality", "value": "kleinwalde"}]


def test_gate_stops_other_residents_and_offers_a_button(clock):
    messages, events = run(ActionLocalGate(), "kleinwalde_sperrmuell_strasse", "wann ist sperrmüll in meiner straße",
                           {"municipality": "auental"})
    assert [m["response"] for m in messages] == ["utter_local_elsewhere"]
    assert "Kleinwalde" in messages[0]["text"] and "Auental" in messages[0]["text"]
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]
    intent, ents = parse_payload(messages[0]["buttons"][0]["payload"])
    assert (intent, ents) == ("kleinwalde_sperrmuell_strasse", {"place": "Kleinwalde"})


def test_gate_with_unknown_municipality_asks_via_button(clock):
    messages, events = run(ActionLocalGate(), "auental_buergermobil_halt", "wo hält das bürgermobil bei uns", {})
    assert messages[0]["response"] == "utter_local_elsewhere" and "Wohnen Sie in Auental?" in messages[0]["text"]
    assert events[-1]["event"] == "followup"


def test_lookup_answers_from_the_table_and_clears_the_slot(clock):
    clock.set(2026, 12, 10, 9, 0)
    events = [{"event": "slot", "name": "kleinwalde_strasse", "value": "in der Lindenstraße"}]
    messages, result = run(ActionLocalLookup(), "inform", "in der Lindenstraße",
                           {"kleinwalde_strasse": "in der Lindenstraße"}, events=events)
    assert messages[0]["response"] == "utter_kleinwalde_sperrmuell_termin"
    assert messages[0]["value"] == "Lindenstraße" and messages[0]["next_date"] == "Mittwoch, 16. Dezember 2026"
    assert messages[0]["bezirk"] == "Bezirk 2, Ortsmitte Süd"
    assert result == [{"event": "slot", "timestamp": None, "name": "kleinwalde_strasse", "value": None}]


def test_lookup_of_an_unknown_ortsteil_lists_the_known_ones(clock):
    events = [{"event": "slot", "name": "auental_ortsteil", "value": "Heidekrug"}]
    messages, _ = run(ActionLocalLookup(), "inform", "Heidekrug", {"auental_ortsteil": "Heidekrug"}, events=events)
    assert messages[0]["response"] == "utter_auental_buergermobil_unbekannt"
    assert messages[0]["options"] == "Lindenau, Auental, Wiesengrund"
