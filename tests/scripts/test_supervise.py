"""scripts/supervise.py restarts a child whose port stopped answering while its PID lives on (what
Rasa 3.6 did after a NUL sender id), and one that exited."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from scaled_services import free_port
from supervise import Child, Supervisor, answers

# serves HTTP for 2 s, then closes its listening socket and keeps living
ZOMBIE = """
import http.server, sys, threading, time
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
time.sleep(2)
srv.shutdown(); srv.server_close()
time.sleep(3600)
"""


def _until(pred, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return False


def test_child_that_stops_answering_is_restarted(tmp_path: Path) -> None:
    port = free_port()
    sup = Supervisor(tmp_path, tmp_path / "log", dict(os.environ), probe_failures=2, probe_timeout=1)
    child = sup.spawn(Child("zombie", [sys.executable, "-c", ZOMBIE, str(port)], live_url=f"http://127.0.0.1:{port}/"))
    first_pid = child.proc.pid
    try:
        assert _until(lambda: answers(f"http://127.0.0.1:{port}/", 1), 15)
        restarted: list[str] = []
        assert _until(lambda: bool(restarted.extend(sup.check(lambda _m: None)) or restarted), 20)
        assert restarted == ["zombie"] and child.proc.pid != first_pid
        assert _until(lambda: answers(f"http://127.0.0.1:{port}/", 1), 15)  # the new one answers
    finally:
        sup.stop_all()


def test_child_that_exits_is_restarted(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path, tmp_path / "log", dict(os.environ))
    child = sup.spawn(Child("quitter", [sys.executable, "-c", "import time; time.sleep(0.5)"]))
    first_pid = child.proc.pid
    try:
        child.proc.wait(10)
        assert sup.check(lambda _m: None) == ["quitter"] and child.proc.pid != first_pid
    finally:
        sup.stop_all()
