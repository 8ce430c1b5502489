"""Life events ("Ich ziehe um"): every service it touches, in order, with deadlines."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionAnswerLifeEvent(DialogueAction):
    """List the services of a life event with local offices."""

    topic = "life_event"

    def name(self) -> str:
        return "action_answer_life_event"
