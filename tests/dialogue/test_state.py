"""The dialogue state codec: round trip, versions, and garbage that must never crash a flow."""
from __future__ import annotations

import json

import pytest

from assistant.dialogue.state import VERSION, DialogueState, FlowState, Subject, decode, encode


def test_round_trip_keeps_everything():
    state = DialogueState(service="reisepass", municipality="kleinwalde", subject=Subject("office", "opening_hours",
                                                                                       office_id="x"),
                          flow=FlowState("checklist", "asking", {"service": "reisepass", "answers": {"a": True},
                                                                 "skipped": ["b"], "asking": "c"},
                                         resume=FlowState("booking", "choose", {"office": "o"})),
                          answers_for="reisepass", answers={"a": False}, fallback_count=1, booked_code="K7M2QP")
    raw = encode(state)
    assert json.loads(raw)["v"] == VERSION
    assert decode(raw) == state


@pytest.mark.parametrize("raw", [None, "", "not json", "[1, 2]", "42", '{"flow": 3}', '{"flow": {"type": 5}}',
                                 '{"subject": "office"}', '{"answers": null, "fallback_count": "x"}'])
def test_garbage_gives_a_usable_state(raw):
    state = decode(raw)
    assert isinstance(state, DialogueState)
    assert isinstance(state.answers, dict) and isinstance(state.fallback_count, int)


def test_null_answers_inside_a_flow_become_an_empty_dict():
    """The old slot could hold "answers": null (it crashed the checklist engine)."""
    state = decode(json.dumps({"flow": {"type": "checklist", "stage": "asking",
                                        "data": {"service": "personalausweis", "answers": None, "skipped": None}}}))
    assert state.flow.get("answers") == {} and state.flow.get("skipped") == []


def test_old_flow_slot_is_migrated():
    old = json.dumps({"type": "checklist", "service": "reisepass", "answers": {"child_under_16": False},
                      "skipped": [], "asking": "has_previous_id"})
    state = decode(None, legacy_flow=old)
    assert state.flow.type == "checklist" and state.flow.get("asking") == "has_previous_id"
    assert state.flow.get("answers") == {"child_under_16": False}


def test_flow_id_is_stable_across_turns():
    fs = FlowState("booking", "choose", {"office": "o"})
    again = decode(encode(DialogueState(flow=fs))).flow
    assert again.flow_id == fs.flow_id and again.with_data(stage="confirm").flow_id == fs.flow_id
