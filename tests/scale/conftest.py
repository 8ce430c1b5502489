"""The scaled profile, started ONCE per session: real PostgreSQL and Redis (owned by this fixture,
so tests can restart them under traffic), and scripts/run_scaled.py with nginx, two Rasa replicas,
two action servers and the web server. Rasa needs 30-100 s per replica to load."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from scaled_services import Postgres, Redis, free_port

from tests.support.stack import CookieJars, Reply, post_json, stop

__all__ = ["Reply", "post"]

LOCK_TTL_S = 3


def post(url: str, body: dict[str, Any], timeout: float = 120, jars: CookieJars | None = None,
         jar: str = "") -> Reply:
    """POST JSON (see :func:`tests.support.stack.post_json`)."""
    return post_json(url, body, timeout=timeout, jars=jars, jar=jar)


def get_status(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0


@dataclass
class Scaled:
    var: Path
    pg: Postgres
    redis: Redis
    proc: subprocess.Popen
    jars: CookieJars = field(default_factory=CookieJars)  # conversation cookie per web "sender"

    @property
    def state(self) -> dict[str, Any]:
        return json.loads((self.var / "scaled" / "state.json").read_text())

    def chat(self, sender: str, message: str, via: str = "lb", timeout: float = 120) -> Reply:
        """``via``: "lb" (nginx), "web" (the web proxy) or an index of a Rasa replica."""
        state = self.state
        if via == "web":
            return post(f"{state['web']}/api/chat", {"message": message}, timeout, self.jars, sender)
        base = state["rasa_lb"] if via == "lb" else state["rasa"][int(via)]
        return post(f"{base}/webhooks/rest/webhook", {"sender": sender, "message": message}, timeout)

    def user_texts(self, sender: str) -> list[str]:
        """Every user message stored in the PostgreSQL tracker store for ``sender``, in order."""
        import psycopg

        if sender in self.jars:  # a web conversation: the sender the server derived from its cookie
            sender = self.jars.sender(sender)
        with psycopg.connect(self.state["tracker_url"], connect_timeout=10) as conn:
            rows = conn.execute("SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id",
                                (sender,)).fetchall()
        return [json.loads(r[0]).get("text") for r in rows]

    def app_sql(self, query: str) -> Any:
        import psycopg

        with psycopg.connect(self.state["database_url"], connect_timeout=10) as conn:
            return conn.execute(query).fetchone()[0]

    def wait_answering(self, timeout: float = 120) -> float:
        """Seconds until a fresh conversation is answered through nginx again."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.chat(f"probe-{time.monotonic_ns()}", "Hallo", timeout=30).answered:
                return time.monotonic() - start
            time.sleep(1)
        raise AssertionError(f"not answering again after {timeout} s")


def _wait_ready(var: Path, proc: subprocess.Popen, timeout: float) -> None:
    state = var / "scaled" / "state.json"
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            log = (var / "run_scaled.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"run_scaled.py exited with {proc.returncode}:\n{log}")
        if state.exists():
            try:
                if json.loads(state.read_text()).get("ready"):
                    return
            except ValueError:
                pass
        time.sleep(2)
    raise RuntimeError(f"scaled profile not ready after {timeout} s")


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("No trained model: run 'make train'")
    for binary in ("redis-server", "nginx"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            pytest.skip(f"{binary} not installed (make install installs it)")
    var = tmp_path_factory.mktemp("scaled")
    # not below pytest's 0700 temp folder: as root, PostgreSQL runs as "postgres" and must reach it
    pg_base = Path(tempfile.mkdtemp(prefix="assistant-scale-pg-"))
    pg = Postgres(pg_base).start()
    redis = Redis(var / "redis").start()
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(var), ASSISTANT_PG_HOST="127.0.0.1", ASSISTANT_PG_PORT=str(pg.port),
               ASSISTANT_PG_USER="postgres", ASSISTANT_REDIS_HOST="127.0.0.1", ASSISTANT_REDIS_PORT=str(redis.port),
               ASSISTANT_LOCK_TTL_SECONDS=str(LOCK_TTL_S), ASSISTANT_CHAT_RATE_PER_MINUTE="100000",
               ASSISTANT_CHAT_RATE_PER_CONVERSATION="100000", ASSISTANT_NEW_CONVERSATIONS_PER_MINUTE="100000",
               ASSISTANT_OUTAGE_PHONE="030 23125 100", PYTHONPATH=str(ROOT))
    web_port = free_port()
    env["ASSISTANT_PUBLIC_URL"] = f"http://127.0.0.1:{web_port}"
    proc = subprocess.Popen([str(ROOT / ".venv/app/bin/python"), str(ROOT / "scripts/run_scaled.py"),
                             "--replicas", "2", "--actions", "2", "--rasa-lb-port", str(free_port()),
                             "--action-lb-port", str(free_port()), "--web-port", str(web_port)],
                            cwd=ROOT, env=env, stdout=open(var / "run_scaled.log", "wb"),  # noqa: SIM115
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(var, proc, 1200)
        yield Scaled(var, pg, redis, proc)
    finally:
        stop(proc, 60)
        redis.stop()
        try:
            pg.stop("immediate")
        except Exception:  # noqa: BLE001 - best effort
            pass
        shutil.rmtree(pg_base, ignore_errors=True)


def kill_child(scaled: Scaled, name: str) -> int:
    """kill -9 a supervised child (its whole process group); returns the old PID."""
    pid = scaled.state["pids"][name]
    os.killpg(pid, signal.SIGKILL)
    return pid


def wait_restarted(scaled: Scaled, name: str, old_pid: int, timeout: float = 60) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = scaled.state["pids"].get(name)
        if pid and pid != old_pid:
            return pid
        time.sleep(0.5)
    return None
