"""Offices: who is responsible, opening hours (incl. Bürgermobil dates), how to get there."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionAnswerOffice(DialogueAction):
    """Responsible office with address, phone, e-mail, map link."""

    topic = "office"

    def name(self) -> str:
        return "action_answer_office"


class ActionAnswerOpeningHours(DialogueAction):
    """Open now / next opening / weekly hours."""

    topic = "opening_hours"

    def name(self) -> str:
        return "action_answer_opening_hours"


class ActionAnswerDirections(DialogueAction):
    """Bus, Bürgerbus, Rufbus, step-free access, parking."""

    topic = "directions"

    def name(self) -> str:
        return "action_answer_directions"
