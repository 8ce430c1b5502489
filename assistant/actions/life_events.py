"""Life events ("Ich ziehe um"): every service it touches, in order, with deadlines."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.common import build_context, send, set_flow
from assistant.actions.flow import flow_answers_first
from assistant.answers import life_events


class ActionAnswerLifeEvent(Action):
    """List the services of a life event with local offices."""

    def name(self) -> str:
        return "action_answer_life_event"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        event = None
        for e in tracker.latest_message.get("entities", []):
            if e.get("entity") == "option" and str(e.get("value")) in ctx.kb.life_events:
                event = str(e.get("value"))
        text = tracker.latest_message.get("text") or ""
        if event is None and not text.startswith("/"):
            event = life_events.detect_event(ctx.kb, text)
        if event is None and ctx.service:
            tags = ctx.kb.services[ctx.service].life_events
            event = tags[0] if tags else None
        from assistant.answers.situations import special_answer

        special = special_answer(ctx, text)  # "Mein Hund ist gestorben": the Hundesteuer Abmeldung
        if special is not None:
            send(dispatcher, special)
            return events + [SlotSet("service", ctx.service), SlotSet("last_topic", "howto"), set_flow(None)]
        send(dispatcher, life_events.answer(ctx.kb, event, ctx.municipality))
        return events + [SlotSet("last_topic", "life_event"), set_flow(None)]
