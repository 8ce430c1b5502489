"""Online hand-off: link and identification, or why not (then an appointment)."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionAnswerOnline(DialogueAction):
    """Can this be done online, and what is needed."""

    topic = "online"

    def name(self) -> str:
        return "action_answer_online"
