"""Run the Rasa SDK actions directly: a Tracker built by hand, a CollectingDispatcher, a temporary
SQLite database (ASSISTANT_DATABASE_URL) and a fixed clock.

``Chat`` keeps the slots between turns like Rasa does (it applies the returned SlotSet events) and
routes an intent to the action that the rules in data/rules/*.yml name for it."""
from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.kb.provider import reset_kb
from assistant.answers.reply import parse_payload

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Berlin")
PUBLIC_URL = "https://buergerassistent.example"


def _action(name: str):
    from assistant.actions import appointments, documents, flow, handoff, offices, online, service_info

    return {
        "action_answer_documents": documents.ActionAnswerDocuments,
        "action_check_documents": documents.ActionCheckDocuments,
        "action_answer_office": offices.ActionAnswerOffice,
        "action_answer_opening_hours": offices.ActionAnswerOpeningHours,
        "action_answer_directions": offices.ActionAnswerDirections,
        "action_answer_online": online.ActionAnswerOnline,
        "action_answer_fees": service_info.ActionAnswerFees,
        "action_answer_howto": service_info.ActionAnswerHowto,
        "action_continue_flow": flow.ActionContinueFlow,
        "action_resume_flow": flow.ActionResumeFlow,
        "action_clarify": flow.ActionClarify,
        "action_out_of_scope": flow.ActionOutOfScope,
        "action_book_appointment": appointments.ActionBookAppointment,
        "action_cancel_appointment": appointments.ActionCancelAppointment,
        "action_reschedule_appointment": appointments.ActionRescheduleAppointment,
        "action_request_human": handoff.ActionRequestHuman,
        "action_small_talk": flow.ActionSmallTalk,
    }[name]()


# intent -> action, as in data/rules/*.yml
RULES = {
    "ask_documents": "action_answer_documents", "check_documents": "action_check_documents",
    "ask_howto": "action_answer_howto", "ask_office": "action_answer_office",
    "ask_opening_hours": "action_answer_opening_hours", "ask_directions": "action_answer_directions",
    "ask_online": "action_answer_online", "ask_fees": "action_answer_fees",
    "inform": "action_continue_flow", "affirm": "action_continue_flow", "deny": "action_continue_flow",
    "dont_know": "action_continue_flow", "out_of_scope": "action_out_of_scope", "nlu_fallback": "action_clarify",
    "book_appointment": "action_book_appointment", "cancel_appointment": "action_cancel_appointment",
    "reschedule_appointment": "action_reschedule_appointment", "request_human": "action_request_human",
    "greet": "action_small_talk", "thank": "action_small_talk", "goodbye": "action_small_talk",
}


@dataclass
class Turn:
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def keys(self) -> list[str]:
        return [m.get("response") for m in self.messages]

    @property
    def message(self) -> dict[str, Any]:
        assert len(self.messages) == 1, self.keys
        return self.messages[0]

    def slot_events(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    def buttons(self) -> list[dict[str, str]]:
        return self.message.get("buttons", [])


@dataclass
class Chat:
    sender: str = "test-resident"
    slots: dict[str, Any] = field(default_factory=lambda: {"service": None, "municipality": None, "dialogue": None})
    channel: Optional[str] = "rest"

    def say(self, intent: str, text: str = "", entities: Optional[dict[str, str]] = None,
            ranking: Optional[list[dict[str, Any]]] = None, action: Optional[str] = None) -> Turn:
        ents = [{"entity": k, "value": v, "start": max(text.find(str(v)), 0),
                 "end": max(text.find(str(v)), 0) + len(str(v))} for k, v in (entities or {}).items()]
        latest = {"intent": {"name": intent, "confidence": 0.9}, "entities": ents, "text": text,
                  "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}]}
        events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": self.channel}]
        tracker = Tracker(self.sender, dict(self.slots), latest, events, False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        result = asyncio.run(_action(action or RULES[intent]).run(dispatcher, tracker, {}))
        for e in result:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        return Turn(dispatcher.messages, result)

    def click(self, button: dict[str, str]) -> Turn:
        """Press a quick-reply button: its payload '/intent{...}' is the message."""
        intent, entities = parse_payload(button["payload"])
        return self.say(intent, button["payload"], {k: str(v) for k, v in entities.items()})

    @property
    def state(self):
        from assistant.dialogue.state import decode

        return decode(self.slots.get("dialogue"))

    @property
    def flow(self) -> dict[str, Any]:
        """The running flow as one flat dict (type, stage, flow data), {} without a flow."""
        fs = self.state.flow
        return {"type": fs.type, "stage": fs.stage, **fs.data} if fs else {}

    @property
    def flow_state(self) -> dict[str, Any]:
        """The flow without its random ``flow_id`` (compared in tests)."""
        return {k: v for k, v in self.flow.items() if k != "flow_id"}


@pytest.fixture(scope="session")
def kb():
    """The real knowledge base, loaded once for this folder (parsing kb/ takes seconds). Read only."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, kb) -> Path:
    """A database with all tables and the knowledge base, copied for every test (saves seconds)."""
    from assistant.db import create_all, make_engine
    from assistant.kb.store import save_kb

    path = tmp_path_factory.mktemp("actions-template") / "assistant.db"
    engine = make_engine(f"sqlite:///{path}")
    create_all(engine)
    save_kb(kb, engine)
    engine.dispose()
    return path


@dataclass
class Clock:
    value: dt.datetime

    def set(self, *args: int) -> None:
        self.value = dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def action_env(monkeypatch, tmp_path, template_db):
    """Fresh database per test, settings from the environment, no cached knowledge base."""
    import assistant.db as db
    from assistant.config import get_settings

    for suffix in ("", "-wal", "-shm"):
        src = Path(str(template_db) + suffix)
        if src.exists():
            shutil.copy(src, tmp_path / f"assistant.db{suffix}")
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_KB_DIR", str(ROOT / "kb"))
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("ASSISTANT_TIMEZONE", "Europe/Berlin")
    monkeypatch.delenv("ASSISTANT_DEFAULT_MUNICIPALITY", raising=False)
    get_settings.cache_clear()
    reset_kb()
    yield url
    reset_kb()
    get_settings.cache_clear()
    engine = db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@pytest.fixture()
def clock(monkeypatch) -> Clock:
    """The actions' clock; default Monday 2.11.2026 10:00 (Kleinwalde's Bürgerbüro is closed)."""
    import assistant.actions.common as common

    c = Clock(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ))
    monkeypatch.setattr(common, "now", lambda: c.value)
    return c


@pytest.fixture()
def public_url() -> str:
    return PUBLIC_URL


@pytest.fixture()
def chat(clock) -> Chat:
    return Chat()


@pytest.fixture()
def session(action_env):
    """A database session on the test's database (what the actions wrote)."""
    from assistant.db import get_sessionmaker

    with get_sessionmaker(action_env)() as s:
        yield s
