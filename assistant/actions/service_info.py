"""Fees and procedure (how-to) of a service."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionAnswerFees(DialogueAction):
    """Fees with legal basis; local fees where the municipality sets them."""

    topic = "fees"

    def name(self) -> str:
        return "action_answer_fees"


class ActionAnswerHowto(DialogueAction):
    """Short procedure."""

    topic = "howto"

    def name(self) -> str:
        return "action_answer_howto"
