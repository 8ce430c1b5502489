"""Shared fixtures. The ``stack`` fixture starts the real trained Rasa model, the action server
and the web server once per test session (Rasa needs 1-2 minutes to load), on test ports and
with databases in a temporary folder."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
    credentials: dict[str, str] = field(default_factory=dict)

    def chat(self, message: str, sender: str | None = None, via_web: bool = True,
             input_channel: str | None = None) -> list[dict[str, Any]]:
        """Send one message (through the web proxy by default) and return Rasa's replies.

        Through the web server, ``sender`` only names a cookie jar: the server issues the real
        conversation id (``web:<id>``, see :meth:`web_sender`). Straight to Rasa's REST channel
        (``via_web=False``) ``sender`` is the Rasa sender id itself."""
        sender = sender or f"test-{uuid.uuid4().hex[:12]}"
        headers = {"Content-Type": "application/json"}
        if via_web and input_channel is None:
            url, body = f"{self.web_url}/api/chat", {"message": message}
            if sender in self.credentials:
                headers["Cookie"] = f"ba_conversation={self.credentials[sender]}"
        else:
            url = f"{self.rasa_url}/webhooks/rest/webhook"
            body = {"sender": sender, "message": message}
            if input_channel:
                body["input_channel"] = input_channel
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(req, timeout=60) as resp:
            for raw in resp.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(raw)
                if "ba_conversation" in cookie:
                    self.credentials[sender] = cookie["ba_conversation"].value
            return json.loads(resp.read())

    def web_sender(self, sender: str) -> str:
        """The Rasa sender id the web server derived for this cookie jar (``web:<id>``)."""
        return "web:" + self.credentials[sender].split(".")[0]

    def parse(self, text: str) -> dict[str, Any]:
        req = urllib.request.Request(f"{self.rasa_url}/model/parse?token={self.rasa_token}",
                                     data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (parallel test sessions must not collide)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, timeout: float, proc: subprocess.Popen) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"stack exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise RuntimeError(f"{url} not ready after {timeout} s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("No trained model: run 'make train' (make test trains before running tests)")
    var = tmp_path_factory.mktemp("stack-var")
    ports = {"rasa": free_port(), "action": free_port(), "web": free_port()}
    db_url = f"sqlite:///{var / 'assistant.db'}"
    token = uuid.uuid4().hex
    # a copy of kb/: staff tests edit it through the staff forms (and revert), never the repository
    import shutil

    shutil.copytree(ROOT / "kb", var / "kb")
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(var), ASSISTANT_DATABASE_URL=db_url, ASSISTANT_RASA_TOKEN=token,
               ASSISTANT_KB_DIR=str(var / "kb"),
               ASSISTANT_TRACKER_DB=str(var / "tracker.db"), ASSISTANT_WEB_PORT=str(ports["web"]),
               ASSISTANT_PUBLIC_URL=f"http://127.0.0.1:{ports['web']}",
               # every test client is 127.0.0.1: the per-client limit would throttle the whole suite
               ASSISTANT_CHAT_RATE_PER_MINUTE="100000", ASSISTANT_VOICE_RATE_PER_MINUTE="100000",
               ASSISTANT_CHAT_RATE_PER_CONVERSATION="100000", ASSISTANT_NEW_CONVERSATIONS_PER_MINUTE="100000")
    proc = subprocess.Popen([str(ROOT / ".venv/app/bin/python"), str(ROOT / "scripts/run.py"),
                             "--rasa-port", str(ports["rasa"]), "--action-port", str(ports["action"]),
                             "--web-port", str(ports["web"])], cwd=ROOT, env=env,
                            stdout=open(var / "run.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{ports['rasa']}/status?token={token}", 400, proc)
        _wait(f"http://127.0.0.1:{ports['web']}/healthz", 60, proc)
        yield Stack(rasa_url=f"http://127.0.0.1:{ports['rasa']}", web_url=f"http://127.0.0.1:{ports['web']}",
                    action_url=f"http://127.0.0.1:{ports['action']}", var_dir=var, database_url=db_url,
                    tracker_db=var / "tracker.db", rasa_token=token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture()
def kb():
    """The real knowledge base from kb/ (validated)."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"
