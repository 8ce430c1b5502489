"""Runs inside a network namespace with only loopback (see tests/test_no_outbound.py): starts the
whole stack with scripts/run.py, has one conversation through the web server (so the action
server, the tracker store and the web proxy all work), then stops everything.

Usage: python netns_driver.py VAR_DIR RASA_PORT ACTION_PORT WEB_PORT
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wait(url: str, timeout: float, proc: subprocess.Popen) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"stack exited early ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise SystemExit(f"{url} not ready after {timeout} s")


JARS: dict[str, str] = {}


def chat(web: str, sender: str, message: str) -> str:
    """One message as a browser sends it: the server-issued conversation cookie goes back each time."""
    from http.cookies import SimpleCookie

    headers = {"Content-Type": "application/json"}
    if sender in JARS:
        headers["Cookie"] = f"ba_conversation={JARS[sender]}"
    req = urllib.request.Request(f"{web}/api/chat", data=json.dumps({"message": message}).encode(), headers=headers)
    with urllib.request.urlopen(req, timeout=120) as resp:
        for raw in resp.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(raw)
            if "ba_conversation" in cookie:
                JARS[sender] = cookie["ba_conversation"].value
        return "\n".join(r.get("text", "") for r in json.loads(resp.read()))


def main() -> int:
    var, rasa_port, action_port, web_port = Path(sys.argv[1]), *sys.argv[2:5]
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(var), ASSISTANT_DATABASE_URL=f"sqlite:///{var / 'assistant.db'}",
               ASSISTANT_TRACKER_DB=str(var / "tracker.db"), ASSISTANT_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
               ASSISTANT_CHAT_RATE_PER_CONVERSATION="100000", ASSISTANT_NEW_CONVERSATIONS_PER_MINUTE="100000")
    proc = subprocess.Popen([str(ROOT / ".venv/app/bin/python"), str(ROOT / "scripts/run.py"), "--rasa-port", rasa_port,
                             "--action-port", action_port, "--web-port", web_port], cwd=ROOT, env=env,
                            stdout=open(var / "run.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait(f"http://127.0.0.1:{rasa_port}/", 600, proc)  # "/" is open; /status needs the API token
        wait(f"http://127.0.0.1:{web_port}/livez", 60, proc)
        web = f"http://127.0.0.1:{web_port}"
        answers = [chat(web, "netns-1", "Was brauche ich für einen Personalausweis?"),
                   chat(web, "netns-1", '/request_human{"option": "callback"}'),
                   chat(web, "netns-1", "0345 1234567"), chat(web, "netns-1", "/dont_know")]
        print(json.dumps({"answers": answers}))
        return 0 if all(answers) else 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    raise SystemExit(main())
