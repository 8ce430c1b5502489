"""Online hand-off: link and identification, or why not (then an appointment)."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answering import answer_topic
from assistant.actions.flow import flow_answers_first


class ActionAnswerOnline(Action):
    """Can this be done online, and what is needed."""

    def name(self) -> str:
        return "action_answer_online"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return answer_topic("online", dispatcher, tracker)
