"""Start Rasa (NLU only) on a free port, send 200 /model/parse requests, print median and p95."""
from __future__ import annotations

import json
import os
import secrets
import signal
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["was brauche ich für den perso", "wann hat das bürgerbüro in kleinwalde offen",
         "wie komme ich ohne auto nach musterstadt", "geht die ummeldung online", "was kostet ein führungszeugnis",
         "ich möchte einen termin", "hundesteuer kleinwalde", "mein vater ist gestorben was muss ich tun"]


def main() -> None:
    port = 15099
    token = secrets.token_urlsafe(24)  # this throw-away server's API token (rasa run --auth-token)
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([str(ROOT / ".venv/rasa/bin/rasa"), "run", "--enable-api", "--auth-token", token,
                             "-i", "127.0.0.1", "-p", str(port),
                             "--model", str(ROOT / "models/current.tar.gz")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() - t0 > 400:
                    raise SystemExit("Rasa did not start")
                time.sleep(1)
        print(f"Rasa start to ready: {time.monotonic() - t0:.0f} s")
        times = []
        for i in range(200):
            body = json.dumps({"text": TEXTS[i % len(TEXTS)]}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/model/parse?token={token}", data=body,
                                         headers={"Content-Type": "application/json"})
            s = time.perf_counter()
            urllib.request.urlopen(req, timeout=30).read()
            times.append((time.perf_counter() - s) * 1000)
        times.sort()
        print(f"/model/parse sequential: median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * .95)]:.1f} ms")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
