"""Benchmark of the scaled profile: turns/s and p95 latency for 1 and 2 Rasa replicas (with as many
action servers) behind nginx, 20 concurrent conversations, PostgreSQL + Redis (private instances).

    .venv/app/bin/python scripts/bench_scale.py [--replicas 1,2] [--conversations 20] [--turns 10]

Each configuration is started with scripts/run_scaled.py --no-web, warmed up, measured and stopped.
Figures, not a test. On a shared 2-core machine two replicas compete for the same cores: expect
the gain to come from overlapping I/O, not from more CPU.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from scaled_services import free_port

from tests.support.stack import stop

QUESTIONS = ["Wann hat das Bürgerbüro in Kleinwalde offen?", "Was brauche ich für einen Personalausweis?",
             "Kann ich meinen Wohnsitz online ummelden?", "Wo ist das Bürgerbüro Kleinwalde?",
             "Was kostet ein Reisepass?", "Wie melde ich meinen Hund an?", "Danke!", "Hallo"]


def turn(base: str, sender: str, text: str) -> tuple[bool, float]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(f"{base}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            ok = resp.status == 200 and bool(json.loads(resp.read()))
    except (urllib.error.URLError, OSError, ValueError):
        ok = False
    return ok, time.monotonic() - start


def measure(base: str, conversations: int, turns: int) -> dict:
    def conversation(i: int) -> list[tuple[bool, float]]:
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        return [turn(base, sender, QUESTIONS[(i + t) % len(QUESTIONS)]) for t in range(turns)]

    start = time.monotonic()
    with ThreadPoolExecutor(conversations) as pool:
        results = [r for conv in pool.map(conversation, range(conversations)) for r in conv]
    wall = time.monotonic() - start
    lat = sorted(s for _, s in results)
    return {"turns": len(results), "ok": sum(ok for ok, _ in results), "seconds": wall,
            "turns_per_s": len(results) / wall, "p50": lat[len(lat) // 2], "p95": lat[int(len(lat) * 0.95) - 1]}


def run(replicas: int, conversations: int, turns: int) -> dict:
    var = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    var.chmod(0o755)  # as root, PostgreSQL runs as "postgres" and must reach var/scaled/postgres
    lb_port = free_port()
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(var), PYTHONPATH=str(ROOT))
    for key in ("ASSISTANT_PG_HOST", "ASSISTANT_REDIS_HOST"):  # private instances for a fair comparison
        env.pop(key, None)
    log = open(var / "run_scaled.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, str(HERE / "run_scaled.py"), "--replicas", str(replicas),
                             "--actions", str(replicas), "--no-web", "--rasa-lb-port", str(lb_port),
                             "--action-lb-port", str(free_port())], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        state = var / "scaled" / "state.json"
        started = time.monotonic()
        while not (state.exists() and json.loads(state.read_text() or "{}").get("ready")):
            if proc.poll() is not None:
                raise SystemExit(f"run_scaled.py failed; see {var}/run_scaled.log")
            if time.monotonic() - started > 1200:
                raise SystemExit("scaled profile not ready after 20 minutes")
            time.sleep(2)
        base = f"http://127.0.0.1:{lb_port}"
        measure(base, conversations, 2)  # warm-up: first predictions of each replica are slow
        result = measure(base, conversations, turns)
        result["replicas"] = replicas
        return result
    finally:
        if proc.poll() is None:
            stop(proc, 90)
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="turns per conversation")
    args = parser.parse_args()
    rows = []
    for replicas in (int(r) for r in args.replicas.split(",")):
        print(f"==> {replicas} Rasa-Replika(s) + {replicas} Action-Server, {args.conversations} Gespräche "
              f"x {args.turns} Nachrichten …", flush=True)
        rows.append(run(replicas, args.conversations, args.turns))
        r = rows[-1]
        print(f"    {r['turns_per_s']:.1f} turns/s, p50 {r['p50']:.2f} s, p95 {r['p95']:.2f} s, "
              f"{r['ok']}/{r['turns']} answered", flush=True)
    print(f"\nreplicas  turns/s   p50 s   p95 s   answered   ({os.cpu_count()} CPU cores, "
          f"load {os.getloadavg()[0]:.1f})")
    for r in rows:
        print(f"{r['replicas']:>8}  {r['turns_per_s']:>7.1f}  {r['p50']:>6.2f}  {r['p95']:>6.2f}   {r['ok']:>4}/{r['turns']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
