"""Property-based tests of the action layer: every public action's ``run`` returns events for
arbitrary tracker states (forged or outdated flow slots, garbage slot values, odd entities and
texts) – it never raises. A raising action is an empty or English answer for the resident.

The actions are found by walking the ``assistant.actions`` package like the SDK's executor does,
so new actions are covered without changing this file."""
from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
INTENTS = [i if isinstance(i, str) else next(iter(i)) for i in DOMAIN.get("intents", [])] + ["nlu_fallback"]

pytestmark = pytest.mark.fuzz


def public_actions() -> list[type[Action]]:
    import assistant.actions as pkg

    found: dict[str, type[Action]] = {}
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__.startswith(pkg.__name__) and not inspect.isabstract(cls):
                try:
                    found[cls().name()] = cls
                except Exception:  # a base class without a name is not registered by the SDK either
                    continue
    return [found[k] for k in sorted(found)]


ACTIONS = public_actions()

SLUGS = ["personalausweis", "reisepass", "wohnsitz_anmelden", "fuehrungszeugnis", "hund_anmelden"]
OFFICES = ["kleinwalde_buergerbuero", "buergermobil", "musterstadt_buergerbuero"]
PLACES = ["Kleinwalde", "Musterstadt", "kleinwalde", "Atlantis"]

nasty_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "/affirm", "/inform{\"service\": 1}", "\ud800", "\x00", "ja", "nein", "5A8JSE",
                     "mein code ist ABC234", "reicht das für den Reisepass?", "morgen früh", "{text}", "{{", "%s",
                     "ß" * 300, "0345 1234567", "slot:kleinwalde_buergerbuero|20991201T0900Z"]),
)
anything = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), nasty_text),
                        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                        max_leaves=8)
# Flow states in the shapes the actions write (the dialogue layer owns their codec): valid keys and
# types, hostile content (unknown situations, forged far-future slots, answers None).
answers = st.one_of(st.none(), st.dictionaries(st.sampled_from(["verheiratet", "minderjaehrig", "x", "alter_ausweis"]),
                                               st.one_of(st.booleans(), st.none()), max_size=3))
iso_slot = st.sampled_from(["2099-12-01T09:00:00+01:00", "2026-11-03T09:00:00+01:00", "2026-11-02T08:00:00+01:00"])
flow_dict = st.one_of(
    st.fixed_dictionaries({"type": st.just("booking"), "stage": st.sampled_from(["choose", "confirm"]),
                           "service": st.sampled_from(SLUGS), "office": st.sampled_from(OFFICES),
                           "municipality": st.sampled_from(["kleinwalde", "musterstadt", None]), "answers": answers,
                           "reschedule": st.none(), "slot": iso_slot}),
    st.fixed_dictionaries({"type": st.just("checklist"), "service": st.sampled_from(SLUGS), "answers": answers,
                           "skipped": st.just([]), "asking": st.sampled_from(["verheiratet", "minderjaehrig"])}),
    st.fixed_dictionaries({"type": st.just("checklist_done"), "service": st.sampled_from(SLUGS), "answers": answers,
                           "skipped": st.just([])}),
    st.fixed_dictionaries({"type": st.just("pending"), "topic": st.just("booking"), "reschedule": st.none()}),
)
flow_slot = st.one_of(st.none(), flow_dict.map(lambda d: json.dumps(d, ensure_ascii=False)),
                      st.sampled_from(["", "null", "[]", "{", "\"x\""]), st.text(max_size=20))
entity = st.fixed_dictionaries({
    "entity": st.sampled_from(["service", "place", "option", "code", "phone", "time", "document", "x"]),
    "value": st.one_of(st.sampled_from(SLUGS + PLACES + ["slot:kleinwalde_buergerbuero|20991201T0900Z",
                                                         "slot:x|y", "slot:", "1", "ABC234"]), anything),
}, optional={"start": st.integers(-5, 500), "end": st.integers(-5, 500), "confidence": anything})


# what a resident can influence: text, intent, entities (and through them service/municipality);
# the flow slot is written only by the actions (none, or something the codec must ignore)
resident_flow = st.one_of(st.none(), st.sampled_from(["", "null", "[]", "{", "\"x\""]), st.text(max_size=20))


@st.composite
def trackers(draw: Any, flows: Any = resident_flow) -> dict[str, Any]:
    intent = draw(st.one_of(st.sampled_from(INTENTS), st.text(max_size=10)))
    text = draw(nasty_text)
    latest = {"text": text, "intent": {"name": intent, "confidence": draw(st.floats(0, 1))},
              "entities": draw(st.lists(entity, max_size=3)),
              "intent_ranking": [{"name": draw(st.sampled_from(INTENTS)), "confidence": 0.5}] * draw(st.integers(0, 2))}
    slots = {"service": draw(st.one_of(st.none(), st.sampled_from(SLUGS), nasty_text)),
             "municipality": draw(st.one_of(st.none(), st.sampled_from(["kleinwalde", "musterstadt"]), nasty_text)),
             "flow": draw(flows),
             "last_topic": draw(st.one_of(st.none(), st.sampled_from(["office", "documents", "online"]), nasty_text)),
             "fallback_count": draw(st.one_of(st.just(0), st.floats(allow_nan=False, allow_infinity=False),
                                              st.integers()))}
    channel = draw(st.sampled_from(["rest", "web", "telegram", None]))
    return {"sender_id": draw(st.sampled_from(["web:abc", "tg:42", "x"])), "slots": slots, "latest_message": latest,
            "events": [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}],
            "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}


def run_action(cls: type[Action], state: dict[str, Any]) -> list[dict[str, Any]]:
    tracker = Tracker.from_dict(state)
    dispatcher = CollectingDispatcher()
    result = cls().run(dispatcher, tracker, DOMAIN)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    assert isinstance(result, list) and all(isinstance(e, dict) for e in result), result
    for message in dispatcher.messages:
        text = message.get("text")
        assert text is None or isinstance(text, str)
    return result


def test_actions_are_found() -> None:
    names = {cls().name() for cls in ACTIONS}
    assert {"action_book_appointment", "action_continue_flow", "action_answer_documents"} <= names, names


@pytest.mark.parametrize("cls", ACTIONS, ids=lambda c: c().name())
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(state=trackers())
def test_every_action_survives_arbitrary_trackers(cls: type[Action], state: dict[str, Any], clock: Any) -> None:
    run_action(cls, state)


@pytest.mark.parametrize("cls", ACTIONS, ids=lambda c: c().name())
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(state=trackers(flows=flow_slot))
def test_every_action_survives_stored_flow_states(cls: type[Action], state: dict[str, Any], clock: Any) -> None:
    run_action(cls, state)


def test_checklist_question_inside_a_booking_with_answers_none(clock: Any) -> None:
    """The crash of the issue: "… reicht das für den Reisepass?" while the booking flow holds
    ``"answers": None``."""
    flow = {"type": "booking", "stage": "choose", "service": "reisepass", "office": "kleinwalde_buergerbuero",
            "municipality": "kleinwalde", "answers": None, "reschedule": None}
    for action in ACTIONS:
        state = {"sender_id": "web:abc", "slots": {"service": "reisepass", "municipality": "kleinwalde",
                                                   "flow": json.dumps(flow), "last_topic": None, "fallback_count": 0},
                 "latest_message": {"text": "ich hab meinen alten Ausweis, reicht das für den Reisepass?",
                                    "intent": {"name": "check_documents", "confidence": 0.9},
                                    "entities": [{"entity": "service", "value": "reisepass"}],
                                    "intent_ranking": []},
                 "events": [], "paused": False, "followup_action": None, "active_loop": {},
                 "latest_action_name": "action_listen"}
        run_action(action, state)


# the dialogue engine's own slot (assistant/dialogue/state.py, v2): every field with hostile values
dialogue_state = st.fixed_dictionaries({
    "v": st.one_of(st.just(2), anything),
    "service": st.one_of(st.none(), st.sampled_from(SLUGS), anything),
    "municipality": st.one_of(st.none(), st.sampled_from(["kleinwalde", "auental"]), anything),
    "place": st.one_of(st.none(), st.sampled_from(["Lindenau", "x"]), anything),
    "office_id": st.one_of(st.none(), st.sampled_from(OFFICES), anything),
    "subject": st.one_of(st.none(), anything, st.fixed_dictionaries(
        {"kind": st.sampled_from(["office", "service", "local", "transport", "x"]), "topic": anything,
         "office_id": st.one_of(st.none(), st.sampled_from(OFFICES), anything)})),
    "last_topic": anything,
    "flow": st.one_of(st.none(), anything, flow_dict.map(lambda d: {"type": d["type"], "stage": d.get("stage"),
                                                                    "data": d, "flow_id": "f1"})),
    "answers": st.one_of(answers, anything),
    "fallback_count": anything,
    "booked_code": st.one_of(st.none(), st.just("ABC234"), anything),
})


@pytest.mark.parametrize("cls", ACTIONS, ids=lambda c: c().name())
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(state=trackers(), dialogue=dialogue_state)
def test_every_action_survives_forged_dialogue_states(cls: type[Action], state: dict[str, Any],
                                                       dialogue: dict[str, Any], clock: Any) -> None:
    state["slots"]["dialogue"] = json.dumps(dialogue, ensure_ascii=False, default=str)
    run_action(cls, state)
