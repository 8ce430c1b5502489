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
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dialogue_suite import DIALOGUE_DIR, DialogueResult, load_all, run_dialogue  # noqa: E402
from tests.support.stack import CookieJars, StackError, embedded_stack, rest_chat, web_chat  # noqa: E402


@contextlib.contextmanager
def own_stack() -> Iterator[str]:
    """Start Rasa, the action server and the web server like the test fixture does; yield the web URL."""
    var = Path(tempfile.mkdtemp(prefix="bench-dialogues-"))
    print(f"starting a stack (logs in {var}/run.log) …", flush=True)
    try:
        with embedded_stack(var) as stack:
            yield stack.web_url
    except StackError as exc:
        raise SystemExit(str(exc)) from exc


def make_chat(web_url: str | None, rasa_url: str | None):
    """Through the web server, ``sender`` names a cookie jar: the server issues the conversation id
    (a signed HttpOnly cookie) and the chat sends it back, as a browser would."""
    jars = CookieJars()

    def chat(message: str, sender: str) -> list[dict[str, Any]]:
        if web_url:
            return web_chat(web_url, jars, sender, message, timeout=60)
        return rest_chat(rasa_url, sender, message, timeout=60)

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
