"""Dialogue acts without a topic of their own: answers to the assistant's questions and follow-ups
(inform/affirm/deny/dont_know), resuming after chit-chat, unsure understanding, out of scope.
The logic is in assistant/dialogue/engine.py; these are the adapters the rules name."""
from __future__ import annotations

from assistant.actions.base import DialogueAction


class ActionContinueFlow(DialogueAction):
    """Routes inform/affirm/deny/dont_know to the running flow, or answers a follow-up."""

    topic = "continue"

    def name(self) -> str:
        return "action_continue_flow"


class ActionResumeFlow(DialogueAction):
    """After chit-chat inside a flow: ask the pending question again (no-op without a flow)."""

    topic = "resume"

    def name(self) -> str:
        return "action_resume_flow"


class ActionClarify(DialogueAction):
    """Unsure understanding: use the context, else offer the two most likely meanings; then a human."""

    topic = "clarify"

    def name(self) -> str:
        return "action_clarify"


class ActionOutOfScope(DialogueAction):
    """Honest 'no reliable information', who is responsible instead, and the 115."""

    topic = "out_of_scope"

    def name(self) -> str:
        return "action_out_of_scope"


class ActionSmallTalk(DialogueAction):
    """Greeting, thanks, goodbye: the fixed reply, unless the message answers a running flow
    ("nehm den letzten" read as goodbye) or carries a question ("hallo, was kostet ein Reisepass")."""

    topic = "small_talk"

    def name(self) -> str:
        return "action_small_talk"
