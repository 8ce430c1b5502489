"""Run every conversation in tests/dialogues/*.yml against a stack and print the figures.

Usage:
  .venv/app/bin/python scripts/bench_dialogues.py [--rasa-url http://127.0.0.1:5005] [--jobs 3]
         [--tag reference] [--id kw-hours-then-bus] [--file own_references.yml]

Without --rasa-url (or --web-url) it starts its own stack (scripts/run.py on free ports, databases
in a temporary folder) and stops it afterwards. Prints turns passed and conversations passed overall
and per tag; writes every failed conversation to var/dialogue_failures.txt.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dialogue_suite import DIALOGUE_DIR, DialogueResult, load_all, run_dialogue  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, timeout: float, proc: subprocess.Popen) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"stack exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise SystemExit(f"{url} not ready after {timeout} s")


@contextlib.contextmanager
def own_stack() -> Iterator[str]:
    """Start Rasa, the action server and the web server like the test fixture does; yield the web URL."""
    var = Path(tempfile.mkdtemp(prefix="bench-dialogues-"))
    ports = {"rasa": _free_port(), "action": _free_port(), "web": _free_port()}
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(var), ASSISTANT_DATABASE_URL=f"sqlite:///{var / 'assistant.db'}",
               ASSISTANT_TRACKER_DB=str(var / "tracker.db"), ASSISTANT_WEB_PORT=str(ports["web"]),
               ASSISTANT_PUBLIC_URL=f"http://127.0.0.1:{ports['web']}",
               ASSISTANT_CHAT_RATE_PER_MINUTE="100000", ASSISTANT_VOICE_RATE_PER_MINUTE="1000",
               # every conversation comes from 127.0.0.1: the per-address limits would throttle the run
               ASSISTANT_CHAT_RATE_PER_CONVERSATION="100000", ASSISTANT_NEW_CONVERSATIONS_PER_MINUTE="100000")
    print(f"starting a stack (logs in {var}/run.log) …", flush=True)
    proc = subprocess.Popen([str(ROOT / ".venv/app/bin/python"), str(ROOT / "scripts/run.py"),
                             "--rasa-port", str(ports["rasa"]), "--action-port", str(ports["action"]),
                             "--web-port", str(ports["web"])], cwd=ROOT, env=env,
                            stdout=open(var / "run.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{ports['rasa']}/", 400, proc)  # "/" is open; /status needs the API token
        _wait(f"http://127.0.0.1:{ports['web']}/livez", 60, proc)
        yield f"http://127.0.0.1:{ports['web']}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def make_chat(web_url: str | None, rasa_url: str | None):
    """Through the web server, ``sender`` names a cookie jar: the server issues the conversation id
    (a signed HttpOnly cookie) and the chat sends it back, as a browser would."""
    from http.cookies import SimpleCookie

    url = web_url.rstrip("/") + "/api/chat" if web_url else rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    jars: dict[str, str] = {}

    def chat(message: str, sender: str) -> list[dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if web_url and sender in jars:
            headers["Cookie"] = f"ba_conversation={jars[sender]}"
        body = json.dumps({"sender": sender, "message": message}).encode()
        req = urllib.request.Request(url, data=body, headers=headers)
        with urllib.request.urlopen(req, timeout=60) as resp:
            for raw in resp.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(raw)
                if "ba_conversation" in cookie:
                    jars[sender] = cookie["ba_conversation"].value
            return json.loads(resp.read())

    return chat


def summarise(results: list[DialogueResult]) -> str:
    def line(label: str, rs: list[DialogueResult]) -> str:
        turns = sum(len(r.dialogue.turns) for r in rs)
        turns_ok = sum(1 for r in rs for t in r.turns if t.ok)
        conv_ok = sum(1 for r in rs if r.ok)
        return (f"{label:<24} conversations {conv_ok:>4}/{len(rs):<4} ({100 * conv_ok / max(len(rs), 1):5.1f} %)   "
                f"turns {turns_ok:>4}/{turns:<4} ({100 * turns_ok / max(turns, 1):5.1f} %)")

    out = [line("ALL", results)]
    by_tag: dict[str, list[DialogueResult]] = collections.defaultdict(list)
    by_file: dict[str, list[DialogueResult]] = collections.defaultdict(list)
    for r in results:
        for tag in r.dialogue.tags or ["(untagged)"]:
            by_tag[tag].append(r)
        by_file[r.dialogue.source].append(r)
    out.append("per tag:")
    out += ["  " + line(tag, rs) for tag, rs in sorted(by_tag.items())]
    out.append("per file:")
    out += ["  " + line(f, rs) for f, rs in sorted(by_file.items())]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--web-url", help="a running web server (chat through /api/chat)")
    parser.add_argument("--rasa-url", help="a running Rasa server (REST channel)")
    parser.add_argument("--dir", type=Path, default=DIALOGUE_DIR)
    parser.add_argument("--tag", action="append", help="only conversations with this tag (repeatable)")
    parser.add_argument("--id", action="append", help="only these conversation ids (repeatable)")
    parser.add_argument("--file", action="append", help="only conversations from these file names")
    parser.add_argument("--jobs", type=int, default=3, help="conversations run in parallel (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "dialogue_failures.txt")
    parser.add_argument("--quiet", action="store_true", help="do not print failures")
    args = parser.parse_args()

    dialogues = load_all(args.dir)
    if args.tag:
        dialogues = [d for d in dialogues if set(d.tags) & set(args.tag)]
    if args.id:
        dialogues = [d for d in dialogues if d.id in args.id]
    if args.file:
        dialogues = [d for d in dialogues if d.source in args.file]
    if not dialogues:
        print("no conversations selected", file=sys.stderr)
        return 2

    with contextlib.ExitStack() as stack:
        web_url, rasa_url = args.web_url, args.rasa_url
        if not web_url and not rasa_url:
            web_url = stack.enter_context(own_stack())
        chat = make_chat(web_url, rasa_url)
        started = time.monotonic()
        run_id = uuid.uuid4().hex[:6]
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            results = list(pool.map(lambda d: run_dialogue(d, chat, f"bench-{run_id}-{d.id}"[:60]), dialogues))
        seconds = time.monotonic() - started

    failed = [r for r in results if not r.ok]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(r.report() for r in failed) + ("\n" if failed else ""), encoding="utf-8")
    if failed and not args.quiet:
        print("\n\n".join(r.report() for r in failed))
        print()
    print(summarise(results))
    print(f"{len(results)} conversations in {seconds:.0f} s; failures written to {args.out}")
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
