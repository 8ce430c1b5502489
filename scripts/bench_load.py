"""Load benchmark: full REST turns of realistic conversations at 1 and 20 concurrent residents, and
one 120-turn conversation (does a turn's cost grow with the conversation?). Prints figures; asserts
nothing.

    .venv/app/bin/python scripts/bench_load.py                 # starts its own stack (scripts/run.py)
    .venv/app/bin/python scripts/bench_load.py --rasa-url http://127.0.0.1:5005   # a running Rasa
    .venv/app/bin/python scripts/bench_load.py --rasa-replicas 2   # two Rasa processes (needs Redis)

The conversations are the residents' turns of tests/dialogues/*.yml (written from the knowledge base
by people who never saw the code), sent to Rasa's REST channel, each conversation a new sender.
"""
from __future__ import annotations

import argparse
import contextlib
import asyncio
import itertools
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


async def turn(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    t0 = time.perf_counter()
    async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
        body = await r.json(content_type=None)
        if r.status != 200 or not isinstance(body, list):
            raise RuntimeError(f"HTTP {r.status}: {str(body)[:200]}")
    return time.perf_counter() - t0


async def run_concurrent(url: str, convs: list[list[str]], workers: int, seconds: float) -> dict[str, float]:
    """``workers`` residents, each sends a conversation turn by turn (waiting for every reply)."""
    latencies: list[float] = []
    errors = 0
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
                        latencies.append(await turn(s, url, sender, text))
                    except Exception:  # noqa: BLE001 - counted, the benchmark goes on
                        errors += 1
                    if time.monotonic() >= deadline:
                        return
        t0 = time.monotonic()
        await asyncio.gather(*(resident() for _ in range(workers)))
        wall = time.monotonic() - t0
    return {"turns": len(latencies), "errors": errors, "turns_per_s": len(latencies) / wall,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * pct(latencies, 0.95)}


async def run_long(url: str, convs: list[list[str]], n_turns: int) -> dict[str, float]:
    """One resident, ``n_turns`` turns in a row (the turns of many conversations, one after another)."""
    texts = list(itertools.islice(itertools.cycle(t for c in convs for t in c), n_turns))
    sender = f"bench-long-{uuid.uuid4().hex[:12]}"
    lat = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
        for text in texts:
            lat.append(await turn(s, url, sender, text))
    first, hundredth = lat[:10], lat[95:105]
    return {"turns": len(lat), "median_1_10_ms": 1000 * statistics.median(first),
            "median_96_105_ms": 1000 * statistics.median(hundredth),
            "ratio_100_to_1": statistics.median(hundredth) / statistics.median(first),
            "median_101_120_ms": 1000 * statistics.median(lat[100:120])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rasa-url", help="use a running Rasa instead of starting a stack")
    ap.add_argument("--seconds", type=float, default=30.0, help="duration of each concurrent phase")
    ap.add_argument("--concurrency", type=int, nargs="*", default=[1, 20])
    ap.add_argument("--long-turns", type=int, default=120)
    ap.add_argument("--conversations", type=int, default=400)
    ap.add_argument("run_args", nargs="*", help="extra arguments for scripts/run.py (after --)")
    args = ap.parse_args(argv)
    convs = conversations(args.conversations)
    with contextlib.ExitStack() as running:
        if args.rasa_url:
            url = args.rasa_url.rstrip("/")
        else:
            var = Path(tempfile.mkdtemp(prefix="bench-load-"))
            stack = running.enter_context(embedded_stack(var, run_args=args.run_args))
            url = stack.rasa_url
            print(f"stack ready after {stack.ready_seconds:.1f} s (scripts/run.py start to Rasa / and web /livez)")
        run_phases(url, convs, args)
    return 0


def run_phases(url: str, convs: list[list[str]], args: argparse.Namespace) -> None:
    asyncio.run(run_concurrent(url, convs[:5], 2, 5))  # warm-up
    print(f"{'residents':>9} {'turns':>6} {'errors':>6} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for c in args.concurrency:
        r = asyncio.run(run_concurrent(url, convs, c, args.seconds))
        print(f"{c:>9} {r['turns']:>6} {r['errors']:>6} {r['turns_per_s']:>8.1f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f}")
    r = asyncio.run(run_long(url, convs, args.long_turns))
    print(f"{args.long_turns}-turn conversation: median turns 1-10 {r['median_1_10_ms']:.1f} ms, "
          f"turns 96-105 {r['median_96_105_ms']:.1f} ms (ratio {r['ratio_100_to_1']:.2f}), "
          f"turns 101-120 {r['median_101_120_ms']:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
