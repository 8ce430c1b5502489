"""Generic actions for the municipalities' own dialogues (kb/municipalities/<id>/dialogue/).

``action_local_gate`` follows a local intent: it lets the local story go on only for residents of
the municipality whose id prefixes the intent, or when the message names that municipality;
otherwise it says that this is local knowledge of that municipality and ends the turn.
``action_local_lookup`` follows a local form: it looks the value the form asked for up in the
municipality's data table and sends the table's response with the row's fields.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.common import get_kb, now
from assistant.answers.reply import Button, Reply, payload
from assistant.config import get_settings
from assistant.kb.local_dialogue.files import ELSEWHERE_RESPONSE
from assistant.kb.local_dialogue.runtime import TableStore, decide_gate, owner_of_intent
from assistant.kb.local_dialogue.tables import lookup
from assistant.kb.views import resolve_municipality

_tables: Optional[TableStore] = None


def latest_entities(tracker: Tracker, name: str) -> list[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") == name
            and e.get("value") is not None]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(**reply.to_dispatch())



def table_store() -> TableStore:
    global _tables
    kb_dir = get_settings().kb_dir
    if _tables is None or _tables.kb_dir != kb_dir:
        _tables = TableStore(kb_dir)
    return _tables


def _named_municipality(kb, tracker: Tracker) -> Optional[str]:
    for value in latest_entities(tracker, "place"):
        mid = resolve_municipality(kb, value)
        if mid:
            return mid
    text = tracker.latest_message.get("text") or ""
    return resolve_municipality(kb, text) if text and not text.startswith("/") and len(text) < 300 else None


def elsewhere_reply(kb, intent: str, owner: str, resident_of: Optional[str]) -> Reply:
    """'This is local knowledge of X' (with a button for residents of X)."""
    name = kb.municipalities[owner].name
    if resident_of and resident_of in kb.municipalities:
        text = (f"Dazu habe ich nur eine Auskunft der Gemeinde {name}. Für {kb.municipalities[resident_of].name} "
                f"weiß ich das leider nicht; fragen Sie bitte bei Ihrer Gemeinde nach.")
    else:
        text = (f"Das ist eine örtliche Auskunft der Gemeinde {name}. Wohnen Sie in {name}? "
                f"Dann tippen Sie auf den Knopf oder nennen Sie den Ort in Ihrer Frage.")
    buttons = [Button(f"Ja, ich wohne in {name}", payload(intent, place=name)),
               Button("Mit einem Menschen sprechen", payload("request_human"))]
    return Reply(ELSEWHERE_RESPONSE, text, buttons)


class ActionLocalGate(Action):
    """Let a municipality's own story continue only for its residents (or when it is named)."""

    def name(self) -> str:
        return "action_local_gate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        kb = get_kb()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        owner = owner_of_intent(kb, intent)
        if owner is None:  # a story that skipped the prefix: 'assistant kb check' prevents this
            return []
        named = _named_municipality(kb, tracker)
        gate = decide_gate(owner, named, tracker.get_slot("municipality"), get_settings().default_municipality)
        if gate.allowed:
            return [SlotSet("municipality", owner)] if tracker.get_slot("municipality") != owner else []
        send(dispatcher, elsewhere_reply(kb, str(intent), owner, gate.resident_of))
        events: list[EventType] = [FollowupAction("action_listen")]
        if named and named != tracker.get_slot("municipality"):
            events.insert(0, SlotSet("municipality", named))
        return events


def _latest_table_slot(tracker: Tracker, slots: set[str]) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") in slots and event.get("value"):
            return str(event["name"])
    filled = [s for s in slots if tracker.get_slot(s)]
    return filled[0] if len(filled) == 1 else None


class ActionLocalLookup(Action):
    """Answer from a municipality's data table for the value its form just asked for."""

    def name(self) -> str:
        return "action_local_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        tables = table_store().tables()
        slot = _latest_table_slot(tracker, set(tables))
        if slot is None:
            send(dispatcher, Reply("utter_what_else", "Das habe ich nicht verstanden. Fragen Sie bitte noch einmal."))
            return []
        result = lookup(tables[slot], str(tracker.get_slot(slot) or ""), now().date())
        fields: dict[str, Any] = dict(result.fields)
        dispatcher.utter_message(response=result.response, **fields)
        # asked again next time: a resident may ask for a neighbour's street
        return [SlotSet(slot, None)]
