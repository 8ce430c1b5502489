"""Appointment booking in the chat: offer free slots, understand preferences, confirm, book; cancel
and reschedule with the booking code (flows in assistant/dialogue/flows.py). State lives in the
dialogue slot and the database, so a restart between offer and confirmation loses nothing."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionBookAppointment(DialogueAction):
    """Start booking (service and municipality from context, asked if missing)."""

    topic = "booking"

    def name(self) -> str:
        return "action_book_appointment"


class ActionCancelAppointment(DialogueAction):
    """Cancel with the booking code."""

    topic = "cancel"

    def name(self) -> str:
        return "action_cancel_appointment"


class ActionRescheduleAppointment(DialogueAction):
    """Move an appointment to another slot (same code)."""

    topic = "reschedule"

    def name(self) -> str:
        return "action_reschedule_appointment"
