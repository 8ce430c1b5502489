"""Appointment booking in the chat: offer free slots, understand preferences, confirm, book;
cancel and reschedule with the booking code. State lives in the flow slot and the database,
so a restart of any process between offer and confirmation loses nothing."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answering import missing_context
from assistant.actions.common import build_context, get_flow, public_url, send, set_flow
from assistant.actions.flow import flow_answers_first
from assistant.answers import appointments as texts
from assistant.answers.context import Context
from assistant.answers.reply import Button, Reply, payload
from assistant.booking import preferences, service
from assistant.checklist.engine import build
from assistant.db import get_sessionmaker

logger = logging.getLogger(__name__)


def _option(tracker: Tracker) -> Optional[str]:
    for e in tracker.latest_message.get("entities", []):
        if e.get("entity") == "option" and e.get("value"):
            return str(e["value"])
    return None


def _slot_from_option(option: Optional[str]) -> Optional[tuple[str, dt.datetime]]:
    if not option or not option.startswith("slot:"):
        return None
    try:
        office_id, stamp = option[5:].split("|")
        start = dt.datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    return office_id, start


def _offer(dispatcher: CollectingDispatcher, ctx: Context, flow: dict[str, Any], text: str = "",
           prefix: Optional[str] = None) -> list[EventType]:
    office = ctx.kb.offices[flow["office"]]
    pref = preferences.parse(text, ctx.now.date()) if text else None
    with get_sessionmaker()() as session:
        slots = service.offer(session, ctx.kb, office.id, flow["service"], ctx.now, ctx.tz, pref)
    reply = texts.offer(office, ctx.kb.services[flow["service"]].name, slots, bool(pref and not pref.is_empty))
    if prefix:
        reply = Reply(reply.key, f"{prefix}\n{reply.text}", reply.buttons)
    send(dispatcher, reply)
    return [set_flow({**flow, "stage": "choose"})]


def start_booking(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context,
                  reschedule: Optional[str] = None) -> list[EventType]:
    """Hand off to a link-out, or offer slots of the responsible office."""
    missing = missing_context("office", ctx) if ctx.service else None
    if not ctx.service or missing is not None:
        from assistant.actions.common import ask_municipality, ask_service

        send(dispatcher, ask_service(ctx.kb, "booking") if not ctx.service else ask_municipality(ctx.kb))
        return [set_flow({"type": "pending", "topic": "booking", "reschedule": reschedule})]
    eff = ctx.eff()
    office = eff.office
    if office is None:
        send(dispatcher, Reply("utter_no_information", "Dazu habe ich keine verlässliche Information, welches Amt "
                                                       "zuständig ist. Die Behördennummer 115 hilft weiter."))
        return [set_flow(None)]
    link = eff.booking_link
    if office.booking and not link:
        link = office.booking.link_out.get(eff.slug) or office.booking.link_out.get("default")
    if link:
        send(dispatcher, texts.link_out(office, eff.service.short_name, link))
        return [set_flow(None)]
    if office.booking is None or not office.booking.enabled:
        send(dispatcher, texts.no_booking(office, eff.service.short_name))
        return [set_flow(None)]
    previous = get_flow(tracker)
    answers = previous.get("answers") if previous.get("service") == eff.slug else None
    flow = {"type": "booking", "stage": "choose", "service": eff.slug, "office": office.id,
            "municipality": ctx.municipality, "answers": answers, "reschedule": reschedule}
    text = tracker.latest_message.get("text") or ""
    return _offer(dispatcher, ctx, flow, "" if text.startswith("/") else text)


def _checklist_lines(ctx: Context, flow: dict[str, Any]) -> list[str]:
    ctx.service = flow["service"]
    checklist = build(ctx.eff(), flow.get("answers") or {})
    return [d.name for d in checklist.needed]


def _book(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, flow: dict[str, Any]) -> list[EventType]:
    start = dt.datetime.fromisoformat(flow["slot"])
    sm = get_sessionmaker()
    office = ctx.kb.offices[flow["office"]]
    name = ctx.kb.services[flow["service"]].name
    try:
        if flow.get("reschedule"):
            booking = service.reschedule(sm, ctx.kb, flow["reschedule"], start, ctx.now, ctx.tz)
        else:
            channel = tracker.get_latest_input_channel()
            target = tracker.sender_id if channel == "telegram" else None
            booking = service.book(sm, ctx.kb, office.id, flow["service"], start, ctx.now, ctx.tz,
                                   channel=channel, reminder_target=target)
    except service.SlotTaken:
        return _offer(dispatcher, ctx, flow, prefix=texts.taken())
    except service.BookingError as exc:
        return _offer(dispatcher, ctx, flow, prefix=str(exc))
    checklist = _checklist_lines(ctx, flow)
    checklist_url = None
    try:
        from assistant.checklist import store
        from assistant.privacy import link as link_owner

        with sm() as session:
            token = store.save(session, flow["service"], flow.get("municipality"), flow.get("answers") or {})
            link_owner(session, tracker.sender_id, "checklist", token)
            link_owner(session, tracker.sender_id, "appointment", booking.code)
            session.commit()
        checklist_url = f"{public_url()}/liste/{token}"
    except Exception:
        logger.exception("checklist for booking could not be saved")
    ics_url = f"{public_url()}/termin/{booking.code}.ics"
    send(dispatcher, texts.done(booking.code, office, name, booking.start.astimezone(ctx.tz), ics_url, checklist,
                                checklist_url))
    return [set_flow(None), SlotSet("last_topic", "office")]


def continue_booking(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, flow: dict[str, Any],
                     intent: str) -> list[EventType]:
    if flow.get("type") == "pending":
        return start_booking(dispatcher, tracker, ctx, flow.get("reschedule"))
    option = _option(tracker)
    text = tracker.latest_message.get("text") or ""
    chosen = _slot_from_option(option)
    if chosen:
        office_id, start = chosen
        if office_id != flow["office"]:
            return _offer(dispatcher, ctx, flow)
        local = start.astimezone(ctx.tz)
        new_flow = {**flow, "stage": "confirm", "slot": local.isoformat()}
        send(dispatcher, texts.confirm(ctx.kb.offices[office_id], ctx.kb.services[flow["service"]].name, local, None))
        return [set_flow(new_flow)]
    if option == "earliest":
        return _offer(dispatcher, ctx, flow)
    if flow.get("stage") == "confirm":
        if intent == "affirm":
            return _book(dispatcher, tracker, ctx, flow)
        if intent == "deny" and not preferences.parse(text, ctx.now.date()).weekdays:
            return _offer(dispatcher, ctx, flow, prefix="Gut, dann suchen wir einen anderen Termin.")
    if not text.startswith("/"):
        pref = preferences.parse(text, ctx.now.date())
        if not pref.is_empty or any(w in text.lower() for w in ("früh", "frueh", "bald", "schnell", "egal")):
            return _offer(dispatcher, ctx, flow, text)
    if intent == "deny":
        send(dispatcher, Reply("utter_what_else", "In Ordnung, ich buche keinen Termin. Kann ich sonst helfen?"))
        return [set_flow(None)]
    return reprompt_booking(dispatcher, tracker, flow)


def reprompt_booking(dispatcher: CollectingDispatcher, tracker: Tracker, flow: dict[str, Any]) -> list[EventType]:
    ctx, _ = build_context(tracker)
    if flow.get("stage") == "confirm" and flow.get("slot"):
        start = dt.datetime.fromisoformat(flow["slot"])
        reply = texts.confirm(ctx.kb.offices[flow["office"]], ctx.kb.services[flow["service"]].name, start, None)
        send(dispatcher, Reply("utter_flow_reprompt", "Zurück zu Ihrem Termin: " + reply.text, reply.buttons))
        return [set_flow(flow)]
    return _offer(dispatcher, ctx, flow, prefix="Zurück zur Terminsuche:")


class ActionBookAppointment(Action):
    """Start booking (service and municipality from context, asked if missing)."""

    def name(self) -> str:
        return "action_book_appointment"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        return events + start_booking(dispatcher, tracker, ctx)


# ------------------------------------------------------------------ cancel / reschedule

def _ask_code(dispatcher: CollectingDispatcher, purpose: str) -> list[EventType]:
    verb = "absagen" if purpose == "cancel" else "verschieben"
    send(dispatcher, Reply("utter_ask_booking_code",
                           f"Gern. Wie lautet Ihr Buchungscode? Er hat 6 Zeichen, z. B. „K7M2QP“. "
                           f"Dann kann ich den Termin {verb}."))
    return [set_flow({"type": "cancel", "stage": "code", "purpose": purpose})]


def _handle_code(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, code: str,
                 purpose: str) -> list[EventType]:
    with get_sessionmaker()() as session:
        appt = service.get(session, code)
        if appt is None:
            send(dispatcher, Reply("utter_ask_booking_code",
                                   f"Zum Code {code} finde ich keinen Termin. Bitte prüfen Sie den Code "
                                   "oder rufen Sie das Amt an."))
            return [set_flow({"type": "cancel", "stage": "code", "purpose": purpose})]
        start = service.utc(appt.start).astimezone(ctx.tz)
        office = ctx.kb.offices.get(appt.office_id)
        slug = appt.service_slug
    if purpose == "reschedule":
        ctx.service = slug
        flow = {"type": "booking", "stage": "choose", "service": slug, "office": appt.office_id,
                "municipality": ctx.municipality, "answers": None, "reschedule": code}
        return _offer(dispatcher, ctx, flow, prefix=f"Ihr Termin ist am {texts.slot_long(start)}. Wann passt es besser?")
    name = ctx.kb.services[slug].short_name if slug in ctx.kb.services else slug
    where = f", {office.name}" if office else ""
    send(dispatcher, Reply("utter_booking_confirm",
                           f"Soll ich diesen Termin absagen?\n{name}, {texts.slot_long(start)}{where}",
                           [Button("Ja, absagen", payload("affirm")), Button("Nein, behalten", payload("deny"))]))
    return [set_flow({"type": "cancel", "stage": "confirm", "purpose": "cancel", "code": code})]


def continue_cancel(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, flow: dict[str, Any],
                    intent: str) -> list[EventType]:
    text = tracker.latest_message.get("text") or ""
    if flow.get("stage") == "confirm":
        if intent == "affirm":
            booking = service.cancel(get_sessionmaker(), flow["code"])
            if booking is None:
                send(dispatcher, Reply("utter_cancel_done", "Dieser Termin war schon abgesagt."))
            else:
                send(dispatcher, Reply("utter_cancel_done",
                                       f"Ihr Termin am {texts.slot_long(booking.start.astimezone(ctx.tz))} ist abgesagt. "
                                       "Der Termin ist jetzt für andere frei."))
            return [set_flow(None)]
        if intent == "deny":
            send(dispatcher, Reply("utter_what_else", "In Ordnung, Ihr Termin bleibt bestehen."))
            return [set_flow(None)]
        return reprompt_cancel(dispatcher, tracker, flow)
    code = service.normalize_code(text) if not text.startswith("/") else None
    if code:
        return _handle_code(dispatcher, tracker, ctx, code, flow.get("purpose", "cancel"))
    if intent in ("deny", "dont_know"):
        send(dispatcher, Reply("utter_human_phone",
                               "Ohne Code kann ich den Termin nicht finden. Bitte rufen Sie das Amt an; "
                               "die Nummer steht in Ihrer Terminbestätigung."))
        return [set_flow(None)]
    return reprompt_cancel(dispatcher, tracker, flow)


def reprompt_cancel(dispatcher: CollectingDispatcher, tracker: Tracker, flow: dict[str, Any]) -> list[EventType]:
    if flow.get("stage") == "confirm":
        send(dispatcher, Reply("utter_flow_reprompt", f"Soll ich den Termin {flow['code']} absagen?",
                               [Button("Ja, absagen", payload("affirm")), Button("Nein, behalten", payload("deny"))]))
        return [set_flow(flow)]
    return _ask_code(dispatcher, flow.get("purpose", "cancel"))


class _ByCode:
    """Mixin for cancel/reschedule: use a booking code in the message, or ask for it.
    (Not an Action subclass: the SDK registers every Action subclass by name.)"""

    purpose = "cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        code = service.normalize_code(tracker.latest_message.get("text") or "")
        if code:
            return events + _handle_code(dispatcher, tracker, ctx, code, self.purpose)
        return events + _ask_code(dispatcher, self.purpose)


class ActionCancelAppointment(_ByCode, Action):
    """Cancel with the booking code."""

    purpose = "cancel"

    def name(self) -> str:
        return "action_cancel_appointment"


class ActionRescheduleAppointment(_ByCode, Action):
    """Move an appointment to another slot (same code)."""

    purpose = "reschedule"

    def name(self) -> str:
        return "action_reschedule_appointment"
