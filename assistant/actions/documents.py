"""Documents: the general list, the personal checklist conversation and the completeness pre-check."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionAnswerDocuments(DialogueAction):
    """Documents for a service: the general list (personal checklist offered), or the checklist."""

    topic = "documents"

    def name(self) -> str:
        return "action_answer_documents"


class ActionCheckDocuments(DialogueAction):
    """Completeness pre-check: 'Ich habe X und Y, reicht das?'."""

    topic = "check_documents"

    def name(self) -> str:
        return "action_check_documents"
