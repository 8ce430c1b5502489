"""Local answers: matching per municipality, honest 'no information', asking for the place."""
from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.flow import ActionContinueFlow
from assistant.actions.local_answers import ActionAnswerLocal
from assistant.dialogue.state import decode
from assistant.answers.local_match import THRESHOLD, decide, municipality_office, rank
from assistant.answers.similarity import TfidfIndex, similarity


def test_similarity_basics() -> None:
    assert similarity("Wann ist das Dorffest?", "wann ist dorffest") > 0.9
    assert similarity("Grünschnitt abgeben", "Gruenschnitt abgeben") > 0.9  # umlaut spellings
    assert similarity("Grünschnittplatz", "Grünschnitt") > 0.4  # compounds share n-grams
    assert similarity("Dorffest", "Reisepass") < 0.1
    index = TfidfIndex(["Wertstoffhof offen", "Laterne kaputt"], ["a", "b"])
    assert index.best("die laterne ist kaputt") is not None and index.best("die laterne ist kaputt")[1] == "b"


@pytest.mark.parametrize("text, municipality, answer_id", [
    ("Wann ist das Dorffest?", "kleinwalde", "dorffest_kleinwalde"),
    ("wo kann ich grünschnitt hinbringen", "kleinwalde", "gruenschnitt_kleinwalde"),
    ("wo kann ich grünschnitt hinbringen", "musterstadt", "wertstoffhof_musterstadt"),
    ("Was kostet der Gemeindesaal?", "kleinwalde", "gemeindesaal_mieten"),
    ("Laterne kaputt", "musterstadt", "strassenlaterne_defekt"),
    ("Wo sind die Glascontainer?", "auental", "glascontainer_auental"),
    ("Wer räumt den Schnee?", "eichenbrueck", "winterdienst_eichenbrueck"),
])
def test_best_answer_of_the_residents_municipality(kb, text: str, municipality: str, answer_id: str) -> None:
    d = decide(kb, text, municipality)
    assert d.kind == "answer" and d.match is not None
    assert d.match.answer.id == answer_id and d.match.municipality_id == municipality


@pytest.mark.parametrize("text, municipality", [
    ("Wann ist das Dorffest?", "musterstadt"),      # Kleinwalde's answer, not Musterstadt's
    ("Laterne kaputt", "kleinwalde"),               # Musterstadt's answer
    ("Wo ist das Schwimmbad?", "kleinwalde"),       # nobody knows
    ("Wie hoch ist die Grundsteuer?", "musterstadt"),
])
def test_no_reliable_answer(kb, text: str, municipality: str) -> None:
    d = decide(kb, text, municipality)
    assert d.kind == "no_information"
    assert not rank(kb, text, municipality) or rank(kb, text, municipality)[0].score < THRESHOLD


def test_unknown_municipality(kb) -> None:
    assert decide(kb, "Wie viele Leute passen in den Gemeindesaal?", None).kind == "answer"  # only Kleinwalde
    assert decide(kb, "Wann kommt das Bürgermobil?", None).kind == "ask_municipality"      # Auental and Eichenbrück
    assert decide(kb, "Wo ist das Schwimmbad?", None).kind == "ask_municipality"


def test_every_example_question_finds_its_own_answer(kb) -> None:
    for mid, mun in kb.municipalities.items():
        for answer in mun.local_answers:
            for q in answer.questions:
                d = decide(kb, q, mid)
                assert d.kind == "answer" and d.match is not None and d.match.answer.id == answer.id, (mid, q)


def test_office_for_honest_reply(kb) -> None:
    for mid in kb.municipalities:
        office = municipality_office(kb, mid)
        assert office is not None and office.phone


# ------------------------------------------------------------------ the action

def _tracker(text: str, municipality: Optional[str] = None, dialogue: Optional[str] = None,
             intent: str = "ask_local", entities: Optional[list] = None) -> Tracker:
    slots: dict[str, Any] = {"municipality": municipality, "dialogue": dialogue, "service": None}
    return Tracker("test", slots, {"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": entities or []}, [], False, None, {}, "action_listen")


@pytest.fixture()
def use_kb(kb, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("assistant.actions.common.get_kb", lambda: kb)
    return kb


def _slots(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_action_answers_for_the_municipality(use_kb) -> None:
    d = CollectingDispatcher()
    events = await ActionAnswerLocal().run(d, _tracker("Wann ist das Dorffest?", "kleinwalde"), {})
    assert d.messages[0]["response"] == "utter_local_answer"
    assert "Festwiese" in d.messages[0]["text"]
    assert decode(_slots(events)["dialogue"]).flow is None


async def test_action_is_honest_for_other_municipalities(use_kb) -> None:
    d = CollectingDispatcher()
    await ActionAnswerLocal().run(d, _tracker("Wann ist das Dorffest?", "musterstadt"), {})
    msg = d.messages[0]
    assert msg["response"] == "utter_no_information"
    assert msg["text"].startswith("Dazu habe ich für Musterstadt keine verlässliche Information.")
    office = municipality_office(use_kb, "musterstadt")
    assert office is not None and office.phone in msg["text"]


async def test_action_uses_a_place_named_in_the_question(use_kb) -> None:
    d = CollectingDispatcher()
    events = await ActionAnswerLocal().run(d, _tracker("Wo stehen in Auental die Glascontainer?"), {})
    assert d.messages[0]["response"] == "utter_local_answer" and "Lindenau" in d.messages[0]["text"]
    assert _slots(events)["municipality"] == "auental"


async def test_action_asks_for_the_municipality_and_resumes(use_kb) -> None:
    d = CollectingDispatcher()
    events = await ActionAnswerLocal().run(d, _tracker("Wo kann ich Grünschnitt abgeben?"), {})
    msg = d.messages[0]
    assert msg["response"] == "utter_ask_municipality"
    titles = {b["title"] for b in msg["buttons"]}
    assert {m.name for m in use_kb.municipalities.values()} <= titles
    dialogue = _slots(events)["dialogue"]
    flow = decode(dialogue).flow
    assert (flow.type, flow.get("topic"), flow.get("text")) == ("clarify", "local", "Wo kann ich Grünschnitt abgeben?")
    # the resident clicks "Kleinwalde": the remembered question is answered
    tracker = _tracker('/inform{"place": "Kleinwalde"}', None, dialogue, intent="inform",
                       entities=[{"entity": "place", "value": "Kleinwalde"}])
    d2 = CollectingDispatcher()
    events2 = await ActionContinueFlow().run(d2, tracker, {})
    assert d2.messages[0]["response"] == "utter_local_answer" and "Grünschnitt" in d2.messages[0]["text"]
    assert decode(_slots(events2)["dialogue"]).flow is None


async def test_action_names_the_place_when_answering_without_it(use_kb) -> None:
    d = CollectingDispatcher()
    await ActionAnswerLocal().run(d, _tracker("Wie viele Leute passen in den Gemeindesaal?"), {})
    assert d.messages[0]["text"].startswith("Für Kleinwalde:")


async def test_unknown_response_key_falls_back(use_kb) -> None:
    d = CollectingDispatcher()
    domain = {"responses": {"utter_what_else": [{"text": "{text}"}], "utter_no_information": [{"text": "{text}"}]}}
    await ActionAnswerLocal().run(d, _tracker("Wann ist das Dorffest?", "kleinwalde"), domain)
    assert d.messages[0]["response"] == "utter_what_else" and "Festwiese" in d.messages[0]["text"]
