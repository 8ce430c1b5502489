"""Fees and procedure (how-to) of a service."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answering import answer_topic
from assistant.actions.flow import flow_answers_first


class ActionAnswerFees(Action):
    """Fees with legal basis; local fees where the municipality sets them."""

    def name(self) -> str:
        return "action_answer_fees"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return answer_topic("fees", dispatcher, tracker)


class ActionAnswerHowto(Action):
    """Short procedure."""

    def name(self) -> str:
        return "action_answer_howto"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return answer_topic("howto", dispatcher, tracker)
