"""Flows accept only what they wait for (a regression test: the callback offer must not crash on a
message naming a service)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from assistant.dialogue import flows
from assistant.dialogue.base import Env
from assistant.dialogue.state import DialogueState
from assistant.dialogue.turn import Turn

TZ = ZoneInfo("Europe/Berlin")


def _env(kb) -> Env:
    return Env(kb=kb, now=dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tz=TZ)


def test_callback_offer_accepts_yes_no_and_ignores_a_new_question(kb):
    state = DialogueState()
    fs = flows.CALLBACK.start(state, "Personalausweis", None)
    env = _env(kb)
    assert flows.CALLBACK.accepts(env, state, fs, Turn(text="ja", intent="affirm", yes_no=True))
    question = Turn(text="was kostet ein Reisepass", intent="ask_fees", services=["reisepass"])
    assert not flows.CALLBACK.accepts(env, state, fs, question)


def test_every_registered_flow_reprompts_without_crashing(kb):
    from assistant.dialogue.base import REGISTRY
    from assistant.dialogue.state import FlowState

    env = _env(kb)
    assert set(REGISTRY) == {"checklist", "booking", "cancel", "callback", "clarify"}
    for kind, flow in REGISTRY.items():
        fs = FlowState(kind, "", {})  # a state with nothing in it (e.g. decoded from garbage)
        flow.reprompt(env, DialogueState(), fs)
        assert flow.waits_for(fs)
