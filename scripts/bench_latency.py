"""Send 200 sequential /model/parse requests and print median and p95.

Usage: bench_latency.py [RASA_URL] [--model FILE]. Without a URL it starts Rasa (NLU only) on a
free port with models/current.tar.gz (or --model) and prints its start-up time too.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["was brauche ich für den perso", "wann hat das bürgerbüro in kleinwalde offen",
         "wie komme ich ohne auto nach musterstadt", "geht die ummeldung online", "was kostet ein führungszeugnis",
         "ich möchte einen termin", "hundesteuer kleinwalde", "mein vater ist gestorben was muss ich tun"]


def measure(url: str, n: int = 200, token: str = "") -> tuple[float, float]:
    times = []
    for i in range(n):
        body = json.dumps({"text": TEXTS[i % len(TEXTS)]}).encode()
        req = urllib.request.Request(f"{url}/model/parse" + (f"?token={token}" if token else ""), data=body, headers={"Content-Type": "application/json"})
        s = time.perf_counter()
        urllib.request.urlopen(req, timeout=30).read()
        times.append((time.perf_counter() - s) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * .95)]


def report(url: str, token: str = "") -> None:
    median, p95 = measure(url, token=token)
    print(f"/model/parse sequential: median {median:.1f} ms, p95 {p95:.1f} ms (load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    args = sys.argv[1:]
    url = next((a for a in args if a.startswith("http")), None)
    if url:
        from assistant.config import get_settings

        report(url.rstrip("/"), get_settings().effective_rasa_token)
        return
    model = args[args.index("--model") + 1] if "--model" in args else str(ROOT / "models/current.tar.gz")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)  # this throw-away server's API token (rasa run --auth-token)
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([str(ROOT / ".venv/rasa/bin/rasa"), "run", "--enable-api", "--auth-token", token,
                             "-i", "127.0.0.1", "-p", str(port),
                             "--model", model], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() - t0 > 400:
                    raise SystemExit("Rasa did not start") from None
                time.sleep(1)
        print(f"Rasa start to ready: {time.monotonic() - t0:.0f} s")
        report(f"http://127.0.0.1:{port}", token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
