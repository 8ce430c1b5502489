"""The two demo local dialogues in real conversations over REST (trained model, action server):
Kleinwalde's Sperrmüll date by street and Auental's Bürgermobil stop by Ortsteil, including the gate
(only residents, or when the municipality is named) and an unknown street."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from assistant.answers.reply import parse_payload

pytestmark = pytest.mark.rasa


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_kleinwalde_sperrmuell_by_street(stack) -> None:
    from assistant.formatting import date_long

    sender = f"local-{uuid.uuid4().hex[:8]}"
    first = texts(stack.chat("Wann wird in Kleinwalde in unserer Straße der Sperrmüll abgeholt?", sender))
    assert "In welcher Straße in Kleinwalde wohnen Sie?" in first
    answer = texts(stack.chat("in der Lindenstraße", sender))
    dates = [dt.date(2026, 12, 16), dt.date(2027, 3, 17), dt.date(2027, 6, 16), dt.date(2027, 9, 15), dt.date(2027, 12, 15)]
    upcoming = next(d for d in dates if d >= dt.date.today())
    assert f"Die nächste Sperrmüllabfuhr in der Lindenstraße (Bezirk 2, Ortsmitte Süd) ist am {date_long(upcoming)}" in answer
    # asked again: the street is asked again, an unknown one is said honestly with the known ones
    assert "In welcher Straße" in texts(stack.chat("wann ist sperrmüll in meiner straße", sender))
    unknown = texts(stack.chat("Goethestraße", sender))
    assert "kenne ich in Kleinwalde nicht" in unknown and "Dorfstraße" in unknown


def test_auental_buergermobil_gate_then_ortsteil(stack) -> None:
    sender = f"local-{uuid.uuid4().hex[:8]}"
    replies = stack.chat("wo hält das bürgermobil bei uns", sender)
    assert "Wohnen Sie in Auental?" in texts(replies)
    button = replies[0]["buttons"][0]
    assert parse_payload(button["payload"]) == ("auental_buergermobil_halt", {"place": "Auental"})
    asked = stack.chat(button["payload"], sender)
    assert "In welchem Ortsteil von Auental wohnen Sie?" in texts(asked)
    assert [b["title"] for b in asked[0]["buttons"]] == ["Auental (Dorf)", "Lindenau", "Wiesengrund"]
    answer = texts(stack.chat(asked[0]["buttons"][2]["payload"], sender))
    assert "In Wiesengrund gibt es keinen eigenen Halt" in answer and "13:25" in answer


def test_local_knowledge_is_not_given_to_other_residents(stack) -> None:
    sender = f"local-{uuid.uuid4().hex[:8]}"
    stack.chat("ich wohne in Eichenbrück", sender)
    reply = texts(stack.chat("Wann ist die nächste Sperrmüllabfuhr in meiner Straße?", sender))
    assert "Gemeinde Kleinwalde" in reply and "Eichenbrück" in reply
    assert "In welcher Straße" not in reply
