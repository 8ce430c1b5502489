"""Human hand-off: the office's direct phone during opening hours, otherwise a callback request
(topic, phone number, preferred time; stored for staff) and the 115."""
from __future__ import annotations

from assistant.actions.base import DialogueAction
from assistant.dialogue.flows import extract_phone  # noqa: F401  (kept importable for callers)


class ActionRequestHuman(DialogueAction):
    """Phone during opening hours, else offer a callback; always mention the 115."""

    topic = "human"

    def name(self) -> str:
        return "action_request_human"
