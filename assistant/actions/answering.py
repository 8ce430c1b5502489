"""Answering a topic question: make sure service and municipality are known, then answer.

Missing context is asked for (with buttons) and the topic is remembered in the flow slot, so
the resident's next message ("Kleinwalde", "der Perso") completes the original question.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.common import ask_municipality, ask_service, build_context, get_flow, send, set_flow
from assistant.answers import offices, services
from assistant.answers.context import Context
from assistant.answers.reply import Reply
from assistant.answers.situations import special_answer


@dataclass(frozen=True)
class Topic:
    needs_service: bool
    needs_municipality: Callable[[Context], bool]
    answer: Callable[[Context], Reply]


def _never(ctx: Context) -> bool:
    return False


def _unless_office_named(ctx: Context) -> bool:
    return ctx.office_id is None


def _if_fees_are_local(ctx: Context) -> bool:
    slug = ctx.service
    return any(slug in m.services and m.services[slug].fees is not None for m in ctx.kb.municipalities.values())


def _if_service_is_municipal(ctx: Context) -> bool:
    """Ask where the resident lives only if that changes the answer (local fees, local office)."""
    return _if_fees_are_local(ctx) or any(slug == ctx.service for m in ctx.kb.municipalities.values()
                                          for slug in m.services)


TOPICS: dict[str, Topic] = {
    "documents": Topic(True, _never, services.documents_general),
    "howto": Topic(True, _never, services.howto),
    "fees": Topic(True, _if_fees_are_local, services.fees),
    "online": Topic(True, _never, services.online),
    "office": Topic(False, _unless_office_named, offices.office),
    "opening_hours": Topic(False, _unless_office_named, offices.opening_hours),
    "directions": Topic(False, _unless_office_named, offices.directions),
}

# flows that survive a side question (the pending question is asked again afterwards)
RESUMABLE = ("checklist", "booking", "callback", "cancel")


def missing_context(topic: str, ctx: Context) -> Optional[Reply]:
    spec = TOPICS[topic]
    if spec.needs_service and not ctx.service:
        return ask_service(ctx.kb, topic)
    if not ctx.municipality and spec.needs_municipality(ctx):
        if topic == "directions" and ctx.destination:
            reply = ask_municipality(ctx.kb)
            return Reply(reply.key, "Von wo aus fahren Sie los? Dann suche ich die passende Verbindung.", reply.buttons)
        return ask_municipality(ctx.kb)
    return None


def answer_topic(topic: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                 ctx: Optional[Context] = None, events: Optional[list[EventType]] = None) -> list[EventType]:
    """Answer ``topic`` or ask for what is missing. Returns slot events."""
    if ctx is None:
        ctx, events = build_context(tracker)
    events = list(events or [])
    flow = get_flow(tracker)
    # a recognised situation (moving within Germany, a dog that died, ...) is answered as such and
    # needs neither the service nor the municipality to be asked first
    special = special_answer(ctx, tracker.latest_message.get("text") or "")
    missing = None if special is not None else missing_context(topic, ctx)
    if missing is not None:
        send(dispatcher, missing)
        keep = flow if flow.get("type") in RESUMABLE else None
        return events + [set_flow({"type": "pending", "topic": topic, "resume": keep, "destination": ctx.destination})]
    send(dispatcher, special or TOPICS[topic].answer(ctx))
    if special is not None and ctx.service:
        events.append(SlotSet("service", ctx.service))
    events += [SlotSet("last_topic", topic), SlotSet("fallback_count", 0)]
    if flow.get("type") == "pending" and flow.get("resume"):
        flow = flow["resume"]
    if flow.get("type") in RESUMABLE:
        from assistant.actions.flow import reprompt

        events += reprompt(dispatcher, tracker, flow)
    else:
        events.append(set_flow(None))
    return events
