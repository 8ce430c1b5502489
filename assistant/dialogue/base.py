"""What every part of the engine shares: the environment of a turn and the Flow interface."""
from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo

from assistant.answers.context import Context
from assistant.answers.reply import Reply
from assistant.dialogue.state import DialogueState, FlowState
from assistant.dialogue.turn import Turn
from assistant.kb.loader import KnowledgeBase


@dataclass
class Env:
    """The world of one turn: knowledge base, clock, database, links, default municipality."""

    kb: KnowledgeBase
    now: dt.datetime
    tz: ZoneInfo
    public_url: str = ""
    sessionmaker: Optional[Callable[[], Any]] = None  # SQLAlchemy sessionmaker (bookings, lists)
    default_municipality: Optional[str] = None
    sender: str = ""  # the conversation: stored records are linked to it (privacy export/delete)

    def sm(self) -> Any:
        if self.sessionmaker is None:
            from assistant.db import get_sessionmaker

            self.sessionmaker = get_sessionmaker()
        return self.sessionmaker

    def context(self, state: DialogueState, service: Optional[str] = None, municipality: Optional[str] = None,
                office_id: Optional[str] = None, destination: Optional[str] = None) -> Context:
        mun = municipality or state.municipality or self.default_municipality
        place = state.place if mun == state.municipality else None
        return Context(kb=self.kb, now=self.now, tz=self.tz, service=service or state.service,
                       municipality=mun if mun in self.kb.municipalities else None, office_id=office_id,
                       destination=destination, public_url=self.public_url, place=place)


@dataclass
class Outcome:
    """Replies of a turn (the state is changed in place)."""

    replies: list[Reply] = field(default_factory=list)

    def add(self, reply: Optional[Reply]) -> "Outcome":
        if reply is not None:
            self.replies.append(reply)
        return self


class Flow(ABC):
    """A conversation that waits for something: a yes/no, a slot, a code, a phone number, a place."""

    type: str = ""
    reminder_prefix: str = "Zurück zu Ihrer Frage:"

    @abstractmethod
    def waits_for(self, fs: FlowState) -> str:
        """What the flow waits for now (for logs and for the engine): 'yes_no', 'slot', 'code', ..."""

    @abstractmethod
    def accepts(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> bool:
        """Does this message answer the pending question (whatever intent the NLU predicted)?"""

    @abstractmethod
    def handle(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome) -> None:
        """Take the answer; update ``state.flow`` (None when the flow ends)."""

    @abstractmethod
    def reprompt(self, env: Env, state: DialogueState, fs: FlowState) -> Optional[Reply]:
        """The pending question again (after a side question), or None if nothing to ask."""

    def remind_after_side_question(self, fs: FlowState) -> bool:
        """Ask the pending question again after a side question (once)."""
        return True


REGISTRY: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    REGISTRY[flow.type] = flow
    return flow


def flow_for(fs: Optional[FlowState]) -> Optional[Flow]:
    return REGISTRY.get(fs.type) if fs is not None else None
