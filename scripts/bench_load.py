"""Load benchmark: full REST turns of realistic conversations at 1 and 20 concurrent residents, and
one 120-turn conversation (does a turn's cost grow with the conversation?). Prints figures; asserts
nothing.

    .venv/app/bin/python scripts/bench_load.py                 # starts its own stack (scripts/run.py)
    .venv/app/bin/python scripts/bench_load.py --rasa-url http://127.0.0.1:5005   # a running Rasa
    .venv/app/bin/python scripts/bench_load.py --web-url http://127.0.0.1:8080    # a running web server
    .venv/app/bin/python scripts/bench_load.py --target rasa   # own stack, straight to the first Rasa
    .venv/app/bin/python scripts/bench_load.py --rasa-replicas 2   # two Rasa processes (needs Redis)

The conversations are the residents' turns of tests/dialogues/*.yml (written from the knowledge base
by people who never saw the code), sent through the web server's /api/chat (as the widget does; it
routes each conversation to its Rasa process) or to Rasa's REST channel, each conversation a new
conversation.
"""
from __future__ import annotations

import argparse
import contextlib
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.stack import embedded_stack  # noqa: E402


def conversations(limit: int) -> list[list[str]]:
    out = []
    for path in sorted((ROOT / "tests" / "dialogues").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for d in data.get("dialogues", []):
            turns = [t["user"] for t in d.get("turns", []) if isinstance(t.get("user"), str)]
            if turns:
                out.append(turns)
    if not out:
        raise SystemExit("no conversations found in tests/dialogues/*.yml")
    return out[:limit]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


TOKEN_HEADER = "X-Conversation-Token"  # the web channel's credential (assistant/web/conversations.py)


async def turn(session: aiohttp.ClientSession, url: str, sender: str, text: str,
               tokens: dict[str, str] | None = None) -> float:
    """One turn, timed. ``tokens`` given: ``url`` is the web server (``/api/chat``, which issues the
    conversation credential and routes to a Rasa process); else Rasa's REST channel."""
    t0 = time.perf_counter()
    if tokens is None:
        post = session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    else:
        post = session.post(f"{url}/api/chat", json={"message": text}, headers={TOKEN_HEADER: tokens.get(sender, "")})
    async with post as r:
        body = await r.json(content_type=None)
        if r.status != 200 or not isinstance(body, list):
            raise RuntimeError(f"HTTP {r.status}: {str(body)[:200]}")
        if tokens is not None and r.headers.get(TOKEN_HEADER):
            tokens[sender] = r.headers[TOKEN_HEADER]
    return time.perf_counter() - t0


async def run_concurrent(url: str, convs: list[list[str]], workers: int, seconds: float,
                         web: bool = False) -> dict[str, float]:
    """``workers`` residents, each sends a conversation turn by turn (waiting for every reply)."""
    latencies: list[float] = []
    errors = 0
    tokens: dict[str, str] | None = {} if web else None
    queue = itertools.cycle(convs)
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=workers + 5)) as s:
        async def resident() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                sender = f"bench-{uuid.uuid4().hex[:12]}"
                for text in next(queue):
                    try:
                        latencies.append(await turn(s, url, sender, text, tokens))
                    except Exception:  # noqa: BLE001 - counted, the benchmark goes on
                        errors += 1
                    if time.monotonic() >= deadline:
                        return
        t0 = time.monotonic()
        await asyncio.gather(*(resident() for _ in range(workers)))
        wall = time.monotonic() - t0
    return {"turns": len(latencies), "errors": errors, "turns_per_s": len(latencies) / wall,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * pct(latencies, 0.95)}


async def run_long(url: str, convs: list[list[str]], n_turns: int, web: bool = False) -> dict[str, float]:
    """One resident, ``n_turns`` turns in a row (the turns of many conversations, one after another)."""
    texts = list(itertools.islice(itertools.cycle(t for c in convs for t in c), n_turns))
    sender = f"bench-long-{uuid.uuid4().hex[:12]}"
    lat = []
    tokens: dict[str, str] | None = {} if web else None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
        for text in texts:
            lat.append(await turn(s, url, sender, text, tokens))
    first, hundredth = lat[:10], lat[95:105]
    return {"turns": len(lat), "median_1_10_ms": 1000 * statistics.median(first),
            "median_96_105_ms": 1000 * statistics.median(hundredth),
            "ratio_100_to_1": statistics.median(hundredth) / statistics.median(first),
            "median_101_120_ms": 1000 * statistics.median(lat[100:120])}


def cpu_seconds(pid_file: Path | None) -> dict[str, float]:
    """CPU seconds (user + system) each process of a run.py stack has used so far, from
    ``/proc/<pid>/stat``: unlike latencies, barely affected by other work on a shared machine."""
    if pid_file is None or not pid_file.is_file():
        return {}
    import json

    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pid in json.loads(pid_file.read_text()).items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return out


def cpu_line(before: dict[str, float], after: dict[str, float], turns: int) -> str:
    if not before or not after or not turns:
        return ""
    per = {n: 1000 * (after[n] - before.get(n, 0.0)) / turns for n in after}
    return ("   CPU per turn: " + ", ".join(f"{n} {v:.1f} ms" for n, v in per.items())
            + f", total {sum(per.values()):.1f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rasa-url", help="use a running Rasa instead of starting a stack (its REST channel)")
    ap.add_argument("--web-url", help="use a running web server instead of starting a stack (/api/chat)")
    ap.add_argument("--target", choices=["web", "rasa"], default="web",
                    help="own stack: send turns through the web server (default; it routes to the Rasa "
                         "processes) or straight to the first Rasa process")
    ap.add_argument("--seconds", type=float, default=30.0, help="duration of each concurrent phase")
    ap.add_argument("--concurrency", type=int, nargs="*", default=[1, 20])
    ap.add_argument("--long-turns", type=int, default=120)
    ap.add_argument("--conversations", type=int, default=400)
    ap.add_argument("--pids", type=Path, help="run-pids-<web port>.json of a running run.py stack (CPU per turn)")
    ap.add_argument("run_args", nargs="*", help="extra arguments for scripts/run.py (after --)")
    args = ap.parse_args(argv)
    convs = conversations(args.conversations)
    pid_file = args.pids
    with contextlib.ExitStack() as running:
        if args.rasa_url or args.web_url:
            web = bool(args.web_url)
            url = (args.web_url or args.rasa_url).rstrip("/")
        else:
            stack = running.enter_context(embedded_stack(Path(tempfile.mkdtemp(prefix="bench-load-")),
                                                         run_args=args.run_args))
            pid_file = stack.pid_file
            web = args.target == "web"
            url = stack.web_url if web else stack.rasa_url
            print(f"stack ready after {stack.ready_seconds:.1f} s (scripts/run.py start until the web server's "
                  "/healthz and Rasa answer)")
            started = cpu_seconds(pid_file)
            if started:
                print("   CPU until ready: " + ", ".join(f"{n} {v:.1f} s" for n, v in started.items()))
        run_phases(url, convs, args, web, pid_file)
    return 0


def run_phases(url: str, convs: list[list[str]], args: argparse.Namespace, web: bool, pid_file: Path | None) -> None:
    print(f"turns sent to {'the web server (/api/chat)' if web else 'Rasa (REST channel)'} at {url}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    asyncio.run(run_concurrent(url, convs[:5], 2, 5, web))  # warm-up
    print(f"{'residents':>9} {'turns':>6} {'errors':>6} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for c in args.concurrency:
        before = cpu_seconds(pid_file)
        r = asyncio.run(run_concurrent(url, convs, c, args.seconds, web))
        print(f"{c:>9} {r['turns']:>6} {r['errors']:>6} {r['turns_per_s']:>8.1f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f}" + cpu_line(before, cpu_seconds(pid_file), r["turns"]))
    if args.long_turns >= 105:
        r = asyncio.run(run_long(url, convs, args.long_turns, web))
        print(f"{args.long_turns}-turn conversation: median turns 1-10 {r['median_1_10_ms']:.1f} ms, "
              f"turns 96-105 {r['median_96_105_ms']:.1f} ms (ratio {r['ratio_100_to_1']:.2f}), "
              f"turns 101-120 {r['median_101_120_ms']:.1f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
