"""The flow dispatcher: answers to the assistant's own questions, follow-ups, resuming flows,
clarifying unsure understanding, and honest "I don't know"."""
from __future__ import annotations

import functools
import importlib
from typing import Any, Callable, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.common import build_context, get_flow, send, set_flow
from assistant.answers.context import Context
from assistant.answers.reply import Button, Reply, payload
from assistant.kb.loader import normalize

YES_WORDS = {"ja", "jo", "jep", "jawohl", "genau", "richtig", "doch", "stimmt", "klar", "gerne", "gern", "ok", "okay"}
NO_WORDS = {"nein", "nee", "ne", "noe", "nicht", "kein", "keine", "falsch"}

# flow type -> "module:function(dispatcher, tracker, ctx, flow, intent) -> events"
FLOW_HANDLERS: dict[str, str] = {
    "booking": "assistant.actions.appointments:continue_booking",
    "cancel": "assistant.actions.appointments:continue_cancel",
    "callback": "assistant.actions.handoff:continue_callback",
}
# flow type -> "module:function(dispatcher, tracker, flow) -> events" (ask the pending question again)
REPROMPTERS: dict[str, str] = {
    "booking": "assistant.actions.appointments:reprompt_booking",
    "cancel": "assistant.actions.appointments:reprompt_cancel",
    "callback": "assistant.actions.handoff:reprompt_callback",
}

INTENT_LABELS = {
    "ask_documents": "Welche Unterlagen ich brauche",
    "ask_howto": "Wie das abläuft",
    "ask_office": "Welches Amt zuständig ist",
    "ask_opening_hours": "Öffnungszeiten",
    "ask_directions": "Wie ich hinkomme",
    "ask_online": "Ob es online geht",
    "ask_fees": "Was es kostet",
    "book_appointment": "Einen Termin buchen",
    "cancel_appointment": "Einen Termin absagen",
    "reschedule_appointment": "Einen Termin verschieben",
    "request_human": "Mit einem Menschen sprechen",
    "ask_life_event": "Was bei einer Lebenslage zu tun ist",
    "check_documents": "Ob meine Unterlagen reichen",
    "help": "Was Sie hier fragen können",
}


def _load(ref: str) -> Callable[..., Any]:
    module, func = ref.split(":")
    return getattr(importlib.import_module(module), func)


def yes_no(intent: str, text: str) -> Optional[bool]:
    """True/False for affirm/deny (or typed ja/nein), None for don't know/unclear."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    words = set(normalize(text).split())
    if words & NO_WORDS and not words & {"doch"}:
        return False
    if words & YES_WORDS:
        return True
    return None


def reprompt(dispatcher: CollectingDispatcher, tracker: Tracker, flow: dict[str, Any]) -> list[EventType]:
    """Ask the pending question of a running flow again (after a side question or chit-chat)."""
    kind = flow.get("type")
    if kind == "checklist" and flow.get("asking"):
        ctx, _ = build_context(tracker)
        ctx.service = flow["service"]
        from assistant.answers import checklists

        q = checklists.question(ctx.eff(), flow["asking"], flow.get("answers", {}), first=False)
        send(dispatcher, Reply("utter_flow_reprompt", "Zurück zu Ihrer Liste: " + q.text, q.buttons))
        return [set_flow(flow)]
    if kind in REPROMPTERS:
        return _load(REPROMPTERS[kind])(dispatcher, tracker, flow)
    return []


def message_answers_flow(tracker: Tracker) -> bool:
    """True if the message carries what the running flow waits for (a booking code, a phone
    number), whatever intent the NLU predicted: "der code ist K7M2QP" must not be lost."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/"):
        return False
    flow = get_flow(tracker)
    kind, stage = flow.get("type"), flow.get("stage")
    if kind == "cancel" and stage == "code":
        from assistant.booking.service import normalize_code

        return normalize_code(text) is not None
    if kind == "callback" and stage == "phone":
        from assistant.actions.handoff import extract_phone

        return extract_phone(text) is not None
    return False


def flow_answers_first(run: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for the ``run`` of every action a rule starts for an intent: if the message
    carries what the running flow waits for (see :func:`message_answers_flow`), the flow gets it."""

    @functools.wraps(run)
    async def wrapper(self: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if message_answers_flow(tracker):
            return continue_flow(dispatcher, tracker)
        return await run(self, dispatcher, tracker, domain)

    return wrapper


class ActionContinueFlow(Action):
    """Routes inform/affirm/deny/dont_know to the running flow, or answers a follow-up."""

    def name(self) -> str:
        return "action_continue_flow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return continue_flow(dispatcher, tracker)


def continue_flow(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The dispatcher itself (sync, so other actions can hand a message over to it)."""
    ctx, events = build_context(tracker)
    flow = get_flow(tracker)
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    text = tracker.latest_message.get("text") or ""
    kind = flow.get("type")

    if kind == "checklist":
        from assistant.actions.documents import continue_checklist

        ctx.service = flow["service"]
        value = None if intent == "dont_know" else yes_no(intent, text)
        if value is None and intent == "inform" and not text.startswith("/"):
            # a correction of an earlier answer in the middle of the questions
            corrected = _correct_checklist(dispatcher, ctx, flow, text)
            if corrected:
                return events + corrected
            return events + reprompt(dispatcher, tracker, flow)
        return events + continue_checklist(dispatcher, ctx, flow, value)
    if kind == "checklist_done" and not text.startswith("/"):
        ctx.service = flow["service"]
        corrected = _correct_checklist(dispatcher, ctx, flow, text)
        if corrected:
            return events + corrected
    if kind in FLOW_HANDLERS:
        return events + _load(FLOW_HANDLERS[kind])(dispatcher, tracker, ctx, flow, intent)
    if kind == "pending":
        return events + _resume_pending(dispatcher, tracker, ctx, flow, events)
    return events + _follow_up(dispatcher, tracker, ctx, events, intent)


def _correct_checklist(dispatcher: CollectingDispatcher, ctx: Context, flow: dict, text: str) -> list[EventType]:
    from assistant.actions.documents import continue_checklist, finish_checklist
    from assistant.answers.checklists import find_correction

    found = find_correction(ctx.eff(), text)
    if not found:
        return []
    key, value = found
    answers = {**flow.get("answers", {}), key: value}
    skipped = [k for k in flow.get("skipped", []) if k != key]
    if flow.get("type") == "checklist":
        return continue_checklist(dispatcher, ctx, {**flow, "answers": answers, "skipped": skipped, "asking": None}, None)
    return finish_checklist(dispatcher, ctx, answers, skipped)


def _resume_pending(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, flow: dict,
                    events: list[EventType]) -> list[EventType]:
    from assistant.actions.answering import TOPICS, answer_topic

    topic = flow.get("topic")
    if flow.get("destination") and not ctx.destination:
        ctx.destination = flow["destination"]
    if topic == "check_documents" and ctx.service:
        from assistant.actions.documents import run_precheck

        return run_precheck(dispatcher, tracker, ctx, flow.get("text", ""))
    if topic == "documents" and ctx.service and ctx.eff().service.situations:
        from assistant.actions.documents import start_checklist

        return start_checklist(dispatcher, ctx) + [SlotSet("last_topic", "documents")]
    if topic == "local":
        from assistant.actions.local_answers import resume_local

        return resume_local(dispatcher, tracker, ctx, flow)
    if topic in ("booking", "cancel", "callback"):
        return _load(FLOW_HANDLERS[topic])(dispatcher, tracker, ctx, flow, "inform")
    if topic in TOPICS:
        return answer_topic(topic, dispatcher, tracker, ctx, [])
    return _follow_up(dispatcher, tracker, ctx, events, "inform")


def _follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, events: list[EventType],
               intent: str) -> list[EventType]:
    """'Und in Kleinwalde?' / 'der Perso': answer the last topic again with the new context."""
    from assistant.actions.answering import TOPICS, answer_topic

    changed = {e.get("name") for e in events if isinstance(e, dict)}
    last = tracker.get_slot("last_topic")
    if intent == "inform" and changed and last in TOPICS:
        return answer_topic(last, dispatcher, tracker, ctx, [])
    if intent == "inform" and "service" in changed and ctx.service:
        svc = ctx.kb.services[ctx.service]
        from assistant.answers.services import next_step_buttons

        send(dispatcher, Reply("utter_what_else", f"{svc.short_name}: {svc.summary}\nWas möchten Sie dazu wissen?",
                               next_step_buttons(ctx, "")))
        return []
    if intent == "inform" and "municipality" in changed:
        send(dispatcher, Reply("utter_what_else", f"Danke, ich merke mir: {ctx.municipality_name}. Was möchten Sie wissen?",
                               [Button("Öffnungszeiten", payload("ask_opening_hours")),
                                Button("Wo ist das Amt?", payload("ask_office"))]))
        return []
    if intent == "deny":
        send(dispatcher, Reply("utter_what_else", "In Ordnung. Kann ich sonst noch helfen?"))
        return []
    send(dispatcher, Reply("utter_what_else", "Wobei kann ich Ihnen helfen? Fragen Sie zum Beispiel nach Unterlagen, "
                                              "Öffnungszeiten oder ob etwas online geht."))
    return []


class ActionResumeFlow(Action):
    """After chit-chat inside a flow: ask the pending question again (no-op without a flow)."""

    def name(self) -> str:
        return "action_resume_flow"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        flow = get_flow(tracker)
        if flow.get("type") in ("checklist", "booking", "cancel", "callback"):
            return reprompt(dispatcher, tracker, flow)
        return []


class ActionClarify(Action):
    """Unsure understanding: offer the two most likely meanings; after two misses, a human."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        ranking = tracker.latest_message.get("intent_ranking") or []
        ents = {}
        if ctx.service:
            ents["service"] = ctx.service
        options = [r["name"] for r in ranking if r.get("name") in INTENT_LABELS][:2]
        flow = get_flow(tracker)
        text = tracker.latest_message.get("text") or ""
        named = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") in ("service", "place")]
        if named and len(text.split()) <= 3:
            # "Oberwalde", "der Perso": a bare name is an answer or a follow-up, not a new question
            return events + continue_flow(dispatcher, tracker)
        if flow.get("type") in FLOW_HANDLERS or flow.get("type") == "checklist":
            # inside a flow, an unclear message is most likely an answer to our question
            return events + continue_flow(dispatcher, tracker)
        buttons = [Button(INTENT_LABELS[o], payload(o, **ents)) for o in options]
        if count >= 2:
            text = ("Ich habe Sie leider wieder nicht sicher verstanden. Möchten Sie mit einem Menschen sprechen? "
                    "Oder meinten Sie eines davon?")
            buttons.append(Button("Mit einem Menschen sprechen", payload("request_human")))
        else:
            text = "Ich bin nicht sicher, ob ich Sie richtig verstanden habe. Meinten Sie:"
        if not options:
            text = "Das habe ich leider nicht verstanden. Können Sie es anders sagen?"
        send(dispatcher, Reply("utter_clarify", text, buttons))
        return events + [SlotSet("fallback_count", count)]


class ActionOutOfScope(Action):
    """Honest 'no reliable information', then the right phone number or the 115."""

    def name(self) -> str:
        return "action_out_of_scope"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        office = ctx.office() if ctx.municipality else None
        text = "Dazu habe ich keine verlässliche Information. "
        if office:
            text += f"Fragen Sie gern dort nach: {office.name}, Telefon {office.phone}. "
        text += f"Oder rufen Sie die Behördennummer 115 an. {ctx.kb.county.hotline_115}"
        buttons = [Button("Was kann ich hier fragen?", payload("help"))]
        if count >= 2:
            buttons.insert(0, Button("Mit einem Menschen sprechen", payload("request_human")))
        send(dispatcher, Reply("utter_out_of_scope", text, buttons))
        return events + [SlotSet("fallback_count", count)]
