"""Local questions (Dorffest, Grünschnitt, Gemeindesaal ...): answers from the knowledge base,
``local_answers`` of the resident's municipality (matching in assistant/answers/local_match.py,
decision and follow-ups in assistant/dialogue/)."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionAnswerLocal(DialogueAction):
    """Answer a local question from the municipality's ``local_answers``."""

    topic = "local"

    def name(self) -> str:
        return "action_answer_local"
