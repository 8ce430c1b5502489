"""Start the action server, the Rasa server(s) and the web server on 127.0.0.1, wait until all
answer, print the demo URL, and stop everything cleanly on Ctrl-C (or SIGTERM).

``ASSISTANT_RASA_PROCESSES`` (default 2) Rasa processes run side by side on ``--rasa-port`` and the
next ports (a free one where that is taken); the web server splits conversations between them by a
stable hash of the sender (assistant/rasa_routing.py, docs/adr/0017-two-rasa-processes.md). They
share the SQLite tracker store. Rasa starts through ``python -m rasa_addons.serve``.

Usage: .venv/app/bin/python scripts/run.py [--model models/current.tar.gz] [--exit-when-ready]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from supervise import answers  # noqa: E402


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SANIC_HOST": e.get("SANIC_HOST", "127.0.0.1"),
        "PYTHONPATH": str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else ""),
        "PYTHONUNBUFFERED": "1",
    })
    return e


def wait_http(url: str, timeout: float, name: str, procs: list[subprocess.Popen]) -> None:
    start = time.monotonic()
    last = 0.0
    while time.monotonic() - start < timeout:
        for p in procs:
            if p.poll() is not None:
                raise SystemExit(f"{name}: a process exited early (code {p.returncode}); see var/log/*.log")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    print(f"   {name} bereit / ready ({time.monotonic() - start:.0f} s)", flush=True)
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() - last > 15:
            print(f"   warte auf {name} … ({time.monotonic() - start:.0f} s)", flush=True)
            last = time.monotonic()
        time.sleep(1)
    raise SystemExit(f"{name} did not answer at {url} within {timeout:.0f} s; see var/log/*.log")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def rasa_ports(first: int, count: int, taken: set[int]) -> list[int]:
    """``first``, then ``first+1`` … where free (and not in ``taken``: the other servers' ports,
    not listening yet), else a free port the system picks."""
    ports = [first]
    candidate = first + 1
    while len(ports) < count:
        if candidate < 65536 and candidate not in taken and port_is_free(candidate):
            ports.append(candidate)
        else:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in taken and port not in ports:
                ports.append(port)
        candidate += 1
    return ports


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("ASSISTANT_RASA_PORT", "5005")))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ASSISTANT_ACTION_PORT", "5055")))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("ASSISTANT_WEB_PORT", "8080")))
    parser.add_argument("--exit-when-ready", action="store_true", help="start, check, stop (for tests)")
    args = parser.parse_args()

    model = Path(args.model)
    if not model.exists():
        print(f"Kein Modell unter {model}. Bitte zuerst 'make train' ausführen.", file=sys.stderr)
        return 1
    logs = Path(os.environ.get("ASSISTANT_VAR_DIR", ROOT / "var")) / "log"
    logs.mkdir(parents=True, exist_ok=True)
    e = env()
    e["ASSISTANT_RASA_URL"] = f"http://127.0.0.1:{args.rasa_port}"
    e["ASSISTANT_WEB_PORT"] = str(args.web_port)
    e["ASSISTANT_ACTION_PORT"] = str(args.action_port)
    var = Path(e.get("ASSISTANT_VAR_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    tracker_db = Path(e.get("ASSISTANT_TRACKER_DB", var / "rasa_tracker.db")).resolve()
    e["ASSISTANT_TRACKER_DATABASE_URL"] = f"sqlite:///{tracker_db}"
    endpoints = var / f"endpoints-{args.rasa_port}.yml"
    endpoints.write_text((ROOT / "endpoints.yml").read_text()
                         .replace("127.0.0.1:5055", f"127.0.0.1:{args.action_port}")
                         .replace('db: "var/rasa_tracker.db"', f'db: "{tracker_db}"'))

    # Rasa's HTTP API (/model, /conversations/…, /status) requires this token; the web server,
    # the Telegram bridge and the staff publish read the same value (env or var/secrets/).
    sys.path.insert(0, str(ROOT))
    from assistant.config import Settings

    settings = Settings()
    e["ASSISTANT_RASA_TOKEN"] = token = settings.effective_rasa_token
    ports = rasa_ports(args.rasa_port, settings.rasa_processes, {args.action_port, args.web_port})
    rasa_names = ["rasa"] + [f"rasa-{i + 1}" for i in range(1, len(ports))]
    rasa_urls = [f"http://127.0.0.1:{p}" for p in ports]
    e["ASSISTANT_RASA_SHARD_URLS"] = ",".join(rasa_urls)
    if not settings.rasa_replica_urls_raw:
        e["ASSISTANT_RASA_REPLICA_URLS"] = ",".join(rasa_urls)  # staff publish loads a model into each
    e["ASSISTANT_SEMANTIC_CACHE_SIZE"] = str(settings.semantic_cache_size)
    # Sanic closes idle keep-alive connections after 5 s, aiohttp clients reuse them for 15 s: a
    # request sent in that window fails ("Cannot write to closing transport", an empty reply under
    # load). The servers keep connections longer than their clients do.
    keep_alive = {"SANIC_KEEP_ALIVE_TIMEOUT": "30"}
    rasa_env = dict(e, SANIC_REQUEST_MAX_SIZE=str(settings.rasa_max_request_bytes), **keep_alive)

    started = time.monotonic()
    procs: list[subprocess.Popen] = []
    specs: dict[str, list[str]] = {}
    by_name: dict[str, subprocess.Popen] = {}
    pid_file = var / f"run-pids-{args.web_port}.json"

    def write_pids() -> None:
        # written whole and renamed: a reader (tests, bench_load) never sees a half-written file
        tmp = pid_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({n: p.pid for n, p in by_name.items()}))
        os.replace(tmp, pid_file)

    # the Rasa processes, for tests and tools (the web server gets them as ASSISTANT_RASA_SHARD_URLS)
    (var / f"rasa-urls-{args.web_port}.json").write_text(json.dumps(rasa_urls))

    envs = {"actions": dict(e, **keep_alive), **{name: rasa_env for name in rasa_names}}

    def spawn(name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(logs / f"{name}.log", "ab")
        p = subprocess.Popen(cmd, cwd=ROOT, env=envs.get(name, e), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if name in by_name and by_name[name] in procs:
            procs.remove(by_name[name])
        procs.append(p)
        specs[name], by_name[name] = cmd, p
        write_pids()
        return p

    def stop(*_: object) -> None:
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        print(f"==> Starte Action-Server, {len(ports)}x Rasa und Webserver (Rasa braucht 20-60 s zum Laden) …",
              flush=True)
        # Rasa first: it takes longest; the others start while it imports
        for name, port in zip(rasa_names, ports):
            spawn(name, [str(VENV / "rasa/bin/python"), "-m", "rasa_addons.serve", "run", "--enable-api",
                         "-i", "127.0.0.1", "-p", str(port), f"--auth-token={token}", "--model", str(model),
                         "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")])
        spawn("actions", [str(VENV / "app/bin/python"), "-m", "assistant.action_server", "--actions", "assistant.actions",
                          "--port", str(args.action_port)])
        spawn("web", [str(VENV / "app/bin/python"), "-m", "assistant.web"])
        wait_http(f"http://127.0.0.1:{args.action_port}/health", 60, "Action-Server", procs)
        wait_http(f"http://127.0.0.1:{args.web_port}/livez", 60, "Webserver", procs)
        for name, url in zip(rasa_names, rasa_urls):
            wait_http(f"{url}/status?token={token}", 400, name.replace("rasa", "Rasa"), procs)
        print(f"\nBereit nach {time.monotonic() - started:.0f} s. Demo-Seite: http://127.0.0.1:{args.web_port}/\n"
              f"Rasa: {', '.join(rasa_urls)}\nBeenden mit Strg+C.", flush=True)
        if args.exit_when_ready:
            return 0
        restarts: list[float] = []
        # liveness over HTTP, not only the PID: a server can stop listening while its process lives
        probes = {"actions": f"http://127.0.0.1:{args.action_port}/health",
                  **{name: f"{url}/" for name, url in zip(rasa_names, rasa_urls)},
                  "web": f"http://127.0.0.1:{args.web_port}/livez"}
        failures = {name: 0 for name in probes}
        answered = {name: True for name in probes}  # all three answered above
        last_probe = time.monotonic()
        while True:
            time.sleep(1)
            probe_now = time.monotonic() - last_probe >= 5
            if probe_now:
                last_probe = time.monotonic()
            for name, p in list(by_name.items()):
                reason = None
                if p.poll() is not None:
                    reason = f"wurde beendet (Code {p.returncode})"
                elif probe_now and name in probes:
                    # a Rasa busy with many turns may take a few seconds for "/": not dead
                    if answers(probes[name], 10 if name.startswith("rasa") else 5):
                        failures[name], answered[name] = 0, True
                    elif answered[name]:
                        failures[name] += 1
                        if failures[name] >= 3:
                            reason = "antwortet nicht mehr"
                if reason is None:
                    continue
                restarts = [t for t in restarts if time.monotonic() - t < 60] + [time.monotonic()]
                if len(restarts) > 5:
                    print("Prozesse stürzen wiederholt ab; siehe var/log/. Stoppe alle.", file=sys.stderr)
                    return 1
                print(f"{name} {reason}; starte neu …", flush=True)
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(10)
                failures[name], answered[name] = 0, False  # counts again once it answered after the restart
                spawn(name, specs[name])
    except KeyboardInterrupt:
        print("\nStoppe …", flush=True)
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
