"""The one base class of the assistant's actions: a thin adapter between Rasa and the dialogue engine.

An action only says which topic its rule stands for; :class:`DialogueAction` reads the state from
the ``dialogue`` slot, extracts the message once (:func:`assistant.dialogue.turn.extract`), runs
:func:`assistant.dialogue.engine.step`, sends the replies and writes the state back. rasa-sdk does not
register abstract ``Action`` subclasses, so this base needs no tricks (docs/adr/0006-dialogue-engine.md).
"""
from __future__ import annotations

import abc
import logging
from typing import Optional
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import common
from assistant.config import get_settings
from assistant.dialogue import engine, flows  # noqa: F401  (flows registers the flows)
from assistant.dialogue.base import Env
from assistant.dialogue.state import DialogueState, decode, encode
from assistant.dialogue.turn import Turn, extract

logger = logging.getLogger(__name__)
SLOT = "dialogue"


def env_for() -> Env:
    settings = get_settings()
    return Env(kb=common.get_kb(), now=common.now(), tz=ZoneInfo(settings.timezone), public_url=common.public_url(),
               default_municipality=settings.default_municipality or None)


def state_of(tracker: Tracker) -> DialogueState:
    state = decode(tracker.get_slot(SLOT), tracker.get_slot("flow"))
    state.service = state.service or tracker.get_slot("service")
    state.municipality = state.municipality or tracker.get_slot("municipality")
    return state


def turn_of(tracker: Tracker, env: Env) -> Turn:
    return extract(env.kb, tracker.latest_message or {}, sender=tracker.sender_id,
                   channel=tracker.get_latest_input_channel())


def slot_events(before: Optional[str], state: DialogueState, tracker: Tracker) -> list[EventType]:
    encoded = encode(state)
    events: list[EventType] = []
    if encoded != before:
        events.append(SlotSet(SLOT, encoded))
    for name, value in (("service", state.service), ("municipality", state.municipality)):
        if value != tracker.get_slot(name):
            events.append(SlotSet(name, value))
    if tracker.get_slot("flow") is not None:
        events.append(SlotSet("flow", None))  # migrated into the dialogue slot
    return events


class DialogueAction(Action, abc.ABC):
    """Runs one turn of the dialogue engine for the topic of this action's rule."""

    topic: str = ""

    @abc.abstractmethod
    def name(self) -> str:
        """The action name used in the domain and the rules."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        env = env_for()
        env.sender = tracker.sender_id
        raw = tracker.get_slot(SLOT)
        state = state_of(tracker)
        turn = turn_of(tracker, env)
        outcome = engine.step(env, state, turn, self.topic)
        responses = (domain or {}).get("responses")
        for reply in outcome.replies:
            if isinstance(responses, dict) and responses and reply.key not in responses:
                reply.key = "utter_what_else"  # Rasa drops messages with response keys it does not know
            dispatcher.utter_message(**reply.to_dispatch())
        return slot_events(raw, state, tracker)

