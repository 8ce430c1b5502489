"""Human hand-off: the office's direct phone during opening hours, otherwise a callback request
(topic, phone number, preferred time; stored for staff) and the 115."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.common import build_context, send, set_flow
from assistant.actions.flow import flow_answers_first
from assistant.answers.context import Context
from assistant.answers.reply import Button, Reply, payload
from assistant.kb import hours as hours_mod

PHONE_RE = re.compile(r"(\+?\d[\d \-/()]{5,}\d)")


def extract_phone(text: str) -> Optional[str]:
    m = PHONE_RE.search(text)
    if not m:
        return None
    digits = re.sub(r"[^\d+]", "", m.group(1))
    return m.group(1).strip() if 6 <= len(digits.lstrip("+")) <= 15 else None


def _topic(ctx: Context, tracker: Tracker) -> str:
    if ctx.service:
        return ctx.kb.services[ctx.service].short_name
    return "allgemeine Frage"


class ActionRequestHuman(Action):
    """Phone during opening hours, else offer a callback; always mention the 115."""

    def name(self) -> str:
        return "action_request_human"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        office = ctx.office() if (ctx.municipality or ctx.service or ctx.office_id) else None
        wants_callback = any(e.get("entity") == "option" and e.get("value") == "callback"
                             for e in tracker.latest_message.get("entities", []))
        if wants_callback:
            flow = {"type": "callback", "stage": "phone", "topic": _topic(ctx, tracker),
                    "office": office.id if office else None}
            return events + _ask_phone(flow, dispatcher)
        if office is not None and hours_mod.current_interval(office.hours, ctx.now, ctx.tz, ctx.state):
            status = hours_mod.describe_status(office.hours, ctx.now, ctx.tz, ctx.state)
            send(dispatcher, Reply("utter_human_phone",
                                   f"Rufen Sie direkt an: {office.name}, Telefon {office.phone}. {status}",
                                   [Button("Lieber Rückruf", payload("request_human", option="callback"))]))
            return events + [set_flow(None)]
        closed = f"{office.name}: gerade geschlossen. " if office else ""
        send(dispatcher, Reply("utter_callback_ask",
                               f"{closed}Ich kann eine Bitte um Rückruf an die Mitarbeiterinnen und Mitarbeiter "
                               f"weitergeben. Möchten Sie das? {ctx.kb.county.hotline_115}",
                               [Button("Ja, Rückruf", payload("affirm")), Button("Nein danke", payload("deny"))]))
        return events + [set_flow({"type": "callback", "stage": "offer", "topic": _topic(ctx, tracker),
                                   "office": office.id if office else None})]


def continue_callback(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, flow: dict[str, Any],
                      intent: str) -> list[EventType]:
    text = tracker.latest_message.get("text") or ""
    stage = flow.get("stage")
    if stage == "offer":
        if intent == "deny":
            send(dispatcher, Reply("utter_what_else", "In Ordnung. Kann ich sonst helfen?"))
            return [set_flow(None)]
        phone = extract_phone(text)
        if phone:
            return _take_phone(flow, phone, ctx, dispatcher)
        if intent == "affirm":
            return _ask_phone(flow, dispatcher)
        return reprompt_callback(dispatcher, tracker, flow)
    if stage == "phone":
        phone = extract_phone(text)
        if phone:
            return _take_phone(flow, phone, ctx, dispatcher)
        if intent == "deny":
            send(dispatcher, Reply("utter_what_else", "In Ordnung, dann ohne Rückruf. " + ctx.kb.county.hotline_115))
            return [set_flow(None)]
        send(dispatcher, Reply("utter_callback_ask", "Das sieht nicht wie eine Telefonnummer aus. "
                                                     "Bitte schreiben Sie nur die Nummer, z. B. 0345 123456."))
        return [set_flow(flow)]
    if stage == "time":
        options = [str(e["value"]) for e in tracker.latest_message.get("entities", []) if e.get("entity") == "option"]
        if options:
            preferred = options[0]
        elif intent in ("dont_know", "deny") or text.startswith("/"):
            preferred = "egal"
        else:
            preferred = text.strip()[:120]
        from assistant.booking import service
        from assistant.db import get_sessionmaker

        with get_sessionmaker()() as session:
            if not service.set_callback_time(session, flow.get("callback_id"), preferred):
                send(dispatcher, Reply("utter_callback_ask", "Ihre Telefonnummer ist leider nicht mehr gespeichert. "
                                                             "Unter welcher Nummer können wir Sie zurückrufen?"))
                return [set_flow({**flow, "stage": "phone", "callback_id": None})]
        send(dispatcher, Reply("utter_callback_done",
                               "Danke! Ihre Bitte um Rückruf ist gespeichert. Wir melden uns zu den Öffnungszeiten. "
                               "Ihre Nummer wird nur dafür verwendet und danach gelöscht."))
        return [set_flow(None)]
    return [set_flow(None)]


def _take_phone(flow: dict[str, Any], phone: str, ctx: Context, dispatcher: CollectingDispatcher
                ) -> list[EventType]:
    """Store the number in the callback record right away (it expires with the record); the flow
    keeps only the record's id, because the conversation is stored without personal data."""
    from assistant.booking import service
    from assistant.db import get_sessionmaker
    from assistant.privacy import link

    with get_sessionmaker()() as session:
        if flow.get("callback_id"):
            service.delete_callback(session, flow["callback_id"])  # a corrected number replaces the first
        req = service.add_callback(session, flow.get("office"), flow.get("topic", ""), phone, "", ctx.now)
        link(session, ctx.sender, "callback", req.id)
        session.commit()
        callback_id = req.id
    return _ask_time({**flow, "callback_id": callback_id}, dispatcher)


def _ask_phone(flow: dict[str, Any], dispatcher: CollectingDispatcher) -> list[EventType]:
    send(dispatcher, Reply("utter_callback_ask", "Unter welcher Telefonnummer können wir Sie zurückrufen?"))
    return [set_flow({**flow, "stage": "phone"})]


def _ask_time(flow: dict[str, Any], dispatcher: CollectingDispatcher) -> list[EventType]:
    send(dispatcher, Reply("utter_callback_ask", "Wann passt es Ihnen am besten? Zum Beispiel „vormittags“.",
                           [Button("Vormittags", payload("inform", option="vormittags")),
                            Button("Nachmittags", payload("inform", option="nachmittags")),
                            Button("Egal", payload("dont_know"))]))
    return [set_flow({**flow, "stage": "time"})]


def reprompt_callback(dispatcher: CollectingDispatcher, tracker: Tracker, flow: dict[str, Any]) -> list[EventType]:
    stage = flow.get("stage")
    if stage == "phone":
        return _ask_phone(flow, dispatcher)
    if stage == "time":
        return _ask_time(flow, dispatcher)
    send(dispatcher, Reply("utter_callback_ask", "Möchten Sie einen Rückruf?",
                           [Button("Ja, Rückruf", payload("affirm")), Button("Nein danke", payload("deny"))]))
    return [set_flow(flow)]
