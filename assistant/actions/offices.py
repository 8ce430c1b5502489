"""Offices: who is responsible, opening hours (incl. Bürgermobil dates), how to get there."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answering import answer_topic
from assistant.actions.flow import flow_answers_first


class ActionAnswerOffice(Action):
    """Responsible office with address, phone, e-mail, map link."""

    def name(self) -> str:
        return "action_answer_office"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return answer_topic("office", dispatcher, tracker)


class ActionAnswerOpeningHours(Action):
    """Open now / next opening / weekly hours."""

    def name(self) -> str:
        return "action_answer_opening_hours"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return answer_topic("opening_hours", dispatcher, tracker)


class ActionAnswerDirections(Action):
    """Bus, Bürgerbus, Rufbus, step-free access, parking."""

    def name(self) -> str:
        return "action_answer_directions"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return answer_topic("directions", dispatcher, tracker)
