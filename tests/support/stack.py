"""Start the embedded stack (``scripts/run.py``: Rasa, action server, web server) on free ports for
tests and benchmarks, wait until it answers, and talk to it as a browser does.

One place for what the test fixtures, the benchmarks and the no-outbound driver all need, so they
cannot drift apart (they once did: one waited on Rasa's ``/status`` without the API token, another
dropped the web server's conversation cookie)."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "app" / "bin" / "python"
COOKIE = "ba_conversation"

# every test client is 127.0.0.1: the per-address limits would throttle a whole run
UNLIMITED = {
    "ASSISTANT_CHAT_RATE_PER_MINUTE": "100000",
    "ASSISTANT_VOICE_RATE_PER_MINUTE": "100000",
    "ASSISTANT_CHAT_RATE_PER_CONVERSATION": "100000",
    "ASSISTANT_NEW_CONVERSATIONS_PER_MINUTE": "100000",
}


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (parallel sessions must not collide)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StackError(RuntimeError):
    """The stack exited or did not become ready."""


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers with a 2xx/3xx; fail early when ``proc`` has exited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise StackError(f"stack exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise StackError(f"{url} not ready after {timeout} s")


def stop(proc: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM the whole process group, SIGKILL after ``grace`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@dataclass
class EmbeddedStack:
    var_dir: Path
    rasa_port: int
    action_port: int
    web_port: int
    database_url: str
    tracker_db: Path
    proc: subprocess.Popen
    ready_seconds: float = 0.0
    rasa_token: str = ""

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def pid_file(self) -> Path:
        """``scripts/run.py``'s record of its children's PIDs (for CPU accounting)."""
        return self.var_dir / f"run-pids-{self.web_port}.json"


def embedded_env(var: Path, web_port: int, *, token: str | None = None, kb_dir: Path | None = None,
                 extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment ``scripts/run.py`` gets: databases in ``var``, limits lifted."""
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(var), ASSISTANT_DATABASE_URL=f"sqlite:///{var / 'assistant.db'}",
               ASSISTANT_TRACKER_DB=str(var / "tracker.db"), ASSISTANT_WEB_PORT=str(web_port),
               ASSISTANT_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
               PYTHONPATH=str(ROOT), **UNLIMITED)
    if token:
        env["ASSISTANT_RASA_TOKEN"] = token
    if kb_dir is not None:
        env["ASSISTANT_KB_DIR"] = str(kb_dir)
    env.update(extra or {})
    return env


@contextlib.contextmanager
def embedded_stack(var: Path, *, token: str | None = None, kb_dir: Path | None = None,
                   extra_env: Mapping[str, str] | None = None, run_args: Sequence[str] = (),
                   ports: tuple[int, int, int] | None = None, rasa_timeout: float = 400) -> Iterator[EmbeddedStack]:
    """Start ``scripts/run.py`` with its databases in ``var`` and yield once Rasa and the web server
    answer (Rasa's ``/`` is open; ``/status`` needs the API token) and the web server's readiness
    ``/healthz`` says every Rasa process does. Logs go to ``var/run.log``. Stops the
    whole process group on exit."""
    var.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port, web_port = ports or (free_port(), free_port(), free_port())
    env = embedded_env(var, web_port, token=token, kb_dir=kb_dir, extra=extra_env)
    cmd = [str(PYTHON), str(ROOT / "scripts" / "run.py"), "--rasa-port", str(rasa_port),
           "--action-port", str(action_port), "--web-port", str(web_port), *run_args]
    start = time.monotonic()
    with open(var / "run.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    stack = EmbeddedStack(var, rasa_port, action_port, web_port, env["ASSISTANT_DATABASE_URL"],
                          var / "tracker.db", proc, rasa_token=token or "")
    try:
        wait_http(f"{stack.rasa_url}/", rasa_timeout, proc)
        wait_http(f"{stack.web_url}/livez", 60, proc)
        wait_http(f"{stack.web_url}/healthz", rasa_timeout, proc)  # every Rasa process answers
        stack.ready_seconds = time.monotonic() - start
        yield stack
    finally:
        stop(proc)


@dataclass
class Reply:
    status: int
    body: Any
    seconds: float

    @property
    def text(self) -> str:
        if isinstance(self.body, list):
            return "\n".join(str(m.get("text") or "") for m in self.body if isinstance(m, dict))
        if isinstance(self.body, dict):
            return str(self.body.get("error", ""))
        return ""

    @property
    def answered(self) -> bool:
        return self.status == 200 and isinstance(self.body, list) and bool(self.body)


@dataclass
class CookieJars:
    """One server-issued conversation cookie per jar name, sent back with every message as a
    browser does. The web server derives the Rasa sender (``web:<id>``) from it."""

    values: dict[str, str] = field(default_factory=dict)

    def headers(self, jar: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if jar in self.values:
            headers["Cookie"] = f"{COOKIE}={self.values[jar]}"
        return headers

    def remember(self, jar: str, response_headers: Any) -> None:
        for raw in response_headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(raw)
            if COOKIE in cookie:
                self.values[jar] = cookie[COOKIE].value

    def sender(self, jar: str) -> str:
        """The Rasa sender id the web server derived for this jar."""
        return "web:" + self.values[jar].split(".")[0]

    def __contains__(self, jar: object) -> bool:
        return jar in self.values


def post_json(url: str, body: dict[str, Any], *, timeout: float = 120, jars: CookieJars | None = None,
              jar: str = "") -> Reply:
    """POST JSON and return status, decoded body and seconds; never raises for HTTP or connection
    errors (status 0 for the latter). With ``jars``, the jar's conversation cookie goes along."""
    start = time.monotonic()
    headers = jars.headers(jar) if jars is not None else {"Content-Type": "application/json"}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            if jars is not None:
                jars.remember(jar, resp.headers)
            return Reply(resp.status, json.loads(resp.read() or b"null"), time.monotonic() - start)
    except urllib.error.HTTPError as exc:
        try:
            data = json.loads(exc.read() or b"null")
        except ValueError:
            data = None
        return Reply(exc.code, data, time.monotonic() - start)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        return Reply(0, repr(exc), time.monotonic() - start)


def web_chat(web_url: str, jars: CookieJars, jar: str, message: str, timeout: float = 120) -> list[dict[str, Any]]:
    """One message through the web server's ``/api/chat``; raises on anything but HTTP 200."""
    reply = post_json(f"{web_url.rstrip('/')}/api/chat", {"message": message}, timeout=timeout, jars=jars, jar=jar)
    if reply.status != 200 or not isinstance(reply.body, list):
        raise RuntimeError(f"/api/chat answered HTTP {reply.status}: {str(reply.body)[:300]}")
    return reply.body


def rest_chat(rasa_url: str, sender: str, message: str, timeout: float = 120,
              input_channel: str | None = None) -> list[dict[str, Any]]:
    """One message straight to Rasa's REST channel; raises on anything but HTTP 200."""
    body: dict[str, Any] = {"sender": sender, "message": message}
    if input_channel:
        body["input_channel"] = input_channel
    reply = post_json(f"{rasa_url.rstrip('/')}/webhooks/rest/webhook", body, timeout=timeout)
    if reply.status != 200 or not isinstance(reply.body, list):
        raise RuntimeError(f"Rasa REST answered HTTP {reply.status}: {str(reply.body)[:300]}")
    return reply.body
