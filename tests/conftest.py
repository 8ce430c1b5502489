"""Shared fixtures. The ``stack`` fixture starts the real trained Rasa model, the action server
and the web server once per test session (Rasa needs 1-2 minutes to load), on test ports and
with databases in a temporary folder."""
from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import CookieJars, embedded_stack, free_port, rest_chat, web_chat

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["Stack", "free_port"]


@dataclass
class Stack:
    rasa_url: str
    web_url: str
    action_url: str
    var_dir: Path
    database_url: str
    tracker_db: Path
    rasa_token: str = ""
    # one server-issued conversation credential (cookie value) per ``sender`` argument of chat()
    jars: CookieJars = field(default_factory=CookieJars)

    def chat(self, message: str, sender: str | None = None, via_web: bool = True,
             input_channel: str | None = None) -> list[dict[str, Any]]:
        """Send one message (through the web proxy by default) and return Rasa's replies.

        Through the web server, ``sender`` only names a cookie jar: the server issues the real
        conversation id (``web:<id>``, see :meth:`web_sender`). Straight to Rasa's REST channel
        (``via_web=False``) ``sender`` is the Rasa sender id itself."""
        sender = sender or f"test-{uuid.uuid4().hex[:12]}"
        if via_web and input_channel is None:
            return web_chat(self.web_url, self.jars, sender, message, timeout=60)
        return rest_chat(self.rasa_url, sender, message, timeout=60, input_channel=input_channel)

    def web_sender(self, sender: str) -> str:
        """The Rasa sender id the web server derived for this cookie jar (``web:<id>``)."""
        return self.jars.sender(sender)

    def parse(self, text: str) -> dict[str, Any]:
        import json
        import urllib.request

        req = urllib.request.Request(f"{self.rasa_url}/model/parse?token={self.rasa_token}",
                                     data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("No trained model: run 'make train' (make test trains before running tests)")
    var = tmp_path_factory.mktemp("stack-var")
    token = uuid.uuid4().hex
    # a copy of kb/: staff tests edit it through the staff forms (and revert), never the repository
    shutil.copytree(ROOT / "kb", var / "kb")
    with embedded_stack(var, token=token, kb_dir=var / "kb") as s:
        yield Stack(rasa_url=s.rasa_url, web_url=s.web_url, action_url=s.action_url, var_dir=var,
                    database_url=s.database_url, tracker_db=s.tracker_db, rasa_token=token)


@pytest.fixture()
def kb():
    """The real knowledge base from kb/ (validated)."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"
