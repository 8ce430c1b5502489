"""The shared redaction (assistant/redaction.py): recall on invented German examples, no change to
ordinary questions, structured values, the log filter."""
from __future__ import annotations

import io
import json
import logging

from assistant.redaction import (
    CODE_ALPHABET,
    RedactingFilter,
    find,
    install_log_redaction,
    redact,
    redact_value,
)
from tests.redaction_cases import evaluate, load_cases


def test_case_file_is_big_enough_and_recall_is_high() -> None:
    cases, keep = load_cases()
    assert len(cases) >= 100
    result = evaluate(cases, keep)
    hits = sum(1 for _, hit in result.outcomes if hit)
    recall = hits / len(result.outcomes)
    assert recall >= 0.95, f"recall {recall:.3f}; missed: {result.missed}"
    assert not result.changed_keep, f"ordinary messages changed: {result.changed_keep}"


def test_every_kind_occurs_in_the_cases() -> None:
    cases, _ = load_cases()
    kinds = {item["kind"] for case in cases for item in case["pii"]}
    assert {"Telefon", "E-Mail", "IBAN", "Datum", "Ausweisnummer", "Nummer", "Adresse", "Name"} <= kinds


def test_code_alphabet_matches_booking() -> None:
    from assistant.booking.service import CODE_ALPHABET as BOOKING

    assert CODE_ALPHABET == BOOKING


def test_redaction_is_idempotent() -> None:
    cases, _ = load_cases()
    for case in cases:
        once = redact(case["text"])
        assert redact(once) == once


def test_find_reports_kinds_and_positions() -> None:
    text = "Tel 0171 1234567, mail a.b@example.org"
    hits = find(text)
    assert [(h.kind, text[h.start:h.end]) for h in hits] == [("[Telefon]", "0171 1234567"),
                                                             ("[E-Mail]", "a.b@example.org")]


def test_structured_values() -> None:
    flow = {"type": "callback", "stage": "time", "phone": "0171 1234567", "topic": "Wohngeld",
            "slot": "2026-12-04T09:00:00+01:00", "nested": [{"name": "Erika"}, "ruf 0345 123456 an"]}
    out = redact_value(flow)
    assert out["phone"] == "[entfernt]" and out["nested"][0]["name"] == "[entfernt]"
    assert out["nested"][1] == "ruf [Telefon] an"
    assert out["topic"] == "Wohngeld" and out["type"] == "callback"
    assert "0171" not in json.dumps(out)


def test_log_filter_redacts_message_args_and_exceptions() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test_redaction_logger")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    install_log_redaction(logger)
    install_log_redaction(logger)  # idempotent
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    try:
        logger.warning("message from %s: %s", "user", "meine Nummer 0171 1234567")
        try:
            raise ValueError("bad iban DE89370400440532013000")
        except ValueError:
            logger.exception("failed for max@example.org")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "0171 1234567" not in out and "DE8937" not in out and "max@example.org" not in out
    assert "[Telefon]" in out and "[IBAN]" in out and "[E-Mail]" in out
    assert "ValueError" in out


def test_tracker_events_keep_what_the_dialogue_needs() -> None:
    from assistant.redaction import redact_event

    flow = json.dumps({"type": "booking", "slot": "2026-12-04T09:00:00+01:00", "code": "K7M2QP",
                       "phone": "0171 1234567"})
    slot = redact_event({"event": "slot", "name": "flow", "value": flow, "timestamp": 1.0})
    value = json.loads(slot["value"])
    assert value["slot"] == "2026-12-04T09:00:00+01:00" and value["phone"] == "[entfernt]"
    user = redact_event({"event": "user", "text": "Tel 0171 1234567", "timestamp": 2.0,
                         "parse_data": {"text": "Tel 0171 1234567", "intent": {"name": "inform", "confidence": 0.9},
                                        "entities": [{"entity": "phone", "value": "0171 1234567"}]}})
    assert user["text"] == "Tel [Telefon]" and user["parse_data"]["intent"]["name"] == "inform"
    assert user["parse_data"]["entities"] == [{"entity": "phone", "value": "[Telefon]"}]
    action = {"event": "action", "name": "action_listen", "timestamp": 3.0}
    assert redact_event(action) == action


def test_dialogue_state_keeps_the_ids_the_next_turn_needs():
    """The cancel flow confirms a booking code in the next turn; the offered slots are timestamps:
    redacting them would cancel nothing or book the wrong time. Names and numbers still go."""
    import json

    from assistant.redaction import redact_event

    state = {"v": 2, "booked_code": "K7M2QX", "flow": {"type": "cancel", "stage": "confirm", "data": {
        "code": "K7M2QX", "offered": ["2026-12-15T09:00:00+01:00"], "name": "Erika Mustermann",
        "note": "Rückruf unter 0345 1234567"}}}
    stored = json.loads(redact_event({"event": "slot", "name": "dialogue", "value": json.dumps(state)})["value"])
    assert stored["booked_code"] == "K7M2QX" and stored["flow"]["data"]["code"] == "K7M2QX"
    assert stored["flow"]["data"]["offered"] == ["2026-12-15T09:00:00+01:00"]
    assert stored["flow"]["data"]["name"] == "[entfernt]"
    assert "1234567" not in stored["flow"]["data"]["note"]
