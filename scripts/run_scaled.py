"""The scaled profile: N Rasa replicas and M action servers behind nginx, PostgreSQL for the
tracker store and the application database, Redis for the lock store, one web server.

    make run-scaled REPLICAS=2 [ACTIONS=2]
    .venv/app/bin/python scripts/run_scaled.py --replicas 2 --actions 2

PostgreSQL and Redis: the configured ones (ASSISTANT_PG_HOST, ASSISTANT_REDIS_HOST, see README
"Deployment"), otherwise private instances in var/scaled/ (started here, stopped on exit). nginx is
always started here from a generated configuration (var/scaled/nginx/nginx.conf). Every child is
watched over HTTP and restarted when it dies or stops answering. var/scaled/state.json lists every
port and PID (the scale tests and the benchmark read it).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = ROOT / ".venv"
sys.path.insert(0, str(HERE))

from scaled_services import Nginx, Postgres, Redis, ensure_database, free_port
from supervise import Child, Supervisor, answers


def _say(text: str) -> None:
    print(text, flush=True)


def _wait(url: str, timeout: float, name: str, sup: Supervisor) -> None:
    start = time.monotonic()
    last = start
    while time.monotonic() - start < timeout:
        for child in sup.children.values():
            if child.proc is not None and child.proc.poll() is not None:
                raise SystemExit(f"{child.name} ist beim Start beendet worden (Code {child.proc.returncode}); "
                                 f"siehe {sup.logs}/{child.name}.log")
        if answers(url, 3):
            _say(f"   {name} bereit ({time.monotonic() - start:.0f} s)")
            return
        if time.monotonic() - last > 20:
            _say(f"   warte auf {name} … ({time.monotonic() - start:.0f} s)")
            last = time.monotonic()
        time.sleep(1)
    raise SystemExit(f"{name} antwortet nicht unter {url} nach {timeout:.0f} s; siehe {sup.logs}/")


def rasa_token() -> str:
    """The Rasa API token if the project configures one (settings field or ASSISTANT_RASA_TOKEN)."""
    from assistant.config import get_settings

    settings = get_settings()
    for name in ("rasa_auth_token", "rasa_token"):
        value = getattr(settings, name, "")
        if value:
            return str(value)
    return os.environ.get("ASSISTANT_RASA_TOKEN", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", "2")))
    parser.add_argument("--actions", type=int, default=int(os.environ.get("ACTIONS", "0")) or None,
                        help="number of action servers (default: as many as replicas)")
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--rasa-lb-port", type=int, default=int(os.environ.get("ASSISTANT_RASA_LB_PORT", "5005")))
    parser.add_argument("--action-lb-port", type=int,
                        default=int(os.environ.get("ASSISTANT_ACTION_LB_PORT", "5055")))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("ASSISTANT_WEB_PORT", "8080")))
    parser.add_argument("--no-web", action="store_true", help="only Rasa, actions and nginx (benchmarks)")
    parser.add_argument("--exit-when-ready", action="store_true", help="start, check, stop")
    args = parser.parse_args()
    args.actions = args.actions or args.replicas
    if args.replicas < 1 or args.actions < 1:
        raise SystemExit("REPLICAS und ACTIONS müssen mindestens 1 sein.")
    model = Path(args.model)
    if not model.exists():
        print(f"Kein Modell unter {model}. Bitte zuerst 'make train' ausführen.", file=sys.stderr)
        return 1

    var = Path(os.environ.get("ASSISTANT_VAR_DIR", ROOT / "var")).resolve() / "scaled"
    logs = var / "log"
    var.mkdir(parents=True, exist_ok=True)
    own: list = []  # private services started here, stopped in reverse order
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1",
               SANIC_HOST="127.0.0.1",
               PYTHONPATH=str(ROOT) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else ""))
    sup = Supervisor(ROOT, logs, env, probe_failures=4, probe_timeout=10)  # busy replicas answer slowly
    state_file = var / "state.json"
    state: dict = {}

    def write_state() -> None:
        state["pids"] = sup.pids()
        state_file.write_text(json.dumps(state, indent=2))

    sup.on_change = write_state

    def stop(*_: object) -> None:
        sup.stop_all()
        for service in reversed(own):
            try:
                service.stop()
            except Exception as exc:  # noqa: BLE001 - best effort on the way out
                print(f"Stoppen von {type(service).__name__} fehlgeschlagen: {exc}", file=sys.stderr)
        state_file.unlink(missing_ok=True)

    def _terminate(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        # --- PostgreSQL -------------------------------------------------------------------------
        if not env.get("ASSISTANT_PG_HOST"):
            _say("==> Eigene PostgreSQL-Instanz in var/scaled/postgres")
            pg = Postgres(var / "postgres", int(env.get("ASSISTANT_PG_PORT") or 0) or None).start()
            own.append(pg)
            env.update(ASSISTANT_PG_HOST="127.0.0.1", ASSISTANT_PG_PORT=str(pg.port), ASSISTANT_PG_USER="postgres",
                       ASSISTANT_PG_PASSWORD="")
        env.setdefault("ASSISTANT_PG_PORT", "5432")
        env.setdefault("ASSISTANT_PG_USER", "postgres")
        env.setdefault("ASSISTANT_PG_PASSWORD", "")
        env.setdefault("ASSISTANT_PG_TRACKER_DB", "rasa_tracker")
        env.setdefault("ASSISTANT_PG_APP_DB", "assistant")
        pg_args = (env["ASSISTANT_PG_HOST"], int(env["ASSISTANT_PG_PORT"]), env["ASSISTANT_PG_USER"],
                   env["ASSISTANT_PG_PASSWORD"])
        for db in (env["ASSISTANT_PG_TRACKER_DB"], env["ASSISTANT_PG_APP_DB"]):
            ensure_database(db, *pg_args)
        auth = env["ASSISTANT_PG_USER"] + (f":{env['ASSISTANT_PG_PASSWORD']}" if env["ASSISTANT_PG_PASSWORD"] else "")
        pg_base = f"postgresql://{auth}@{env['ASSISTANT_PG_HOST']}:{env['ASSISTANT_PG_PORT']}"
        env["ASSISTANT_DATABASE_URL"] = f"{pg_base}/{env['ASSISTANT_PG_APP_DB']}"
        env["ASSISTANT_TRACKER_DATABASE_URL"] = f"{pg_base}/{env['ASSISTANT_PG_TRACKER_DB']}"
        # --- Redis ------------------------------------------------------------------------------
        if not env.get("ASSISTANT_REDIS_HOST"):
            _say("==> Eigene Redis-Instanz in var/scaled/redis")
            red = Redis(var / "redis", int(env.get("ASSISTANT_REDIS_PORT") or 0) or None).start()
            own.append(red)
            env.update(ASSISTANT_REDIS_HOST="127.0.0.1", ASSISTANT_REDIS_PORT=str(red.port))
        env.setdefault("ASSISTANT_REDIS_PORT", "6379")
        env.setdefault("ASSISTANT_REDIS_DB", "1")
        env.setdefault("ASSISTANT_REDIS_PASSWORD", "")
        env.setdefault("ASSISTANT_LOCK_TTL_SECONDS", "5")
        # --- ports, nginx -----------------------------------------------------------------------
        rasa_ports = [free_port() for _ in range(args.replicas)]
        action_ports = [free_port() for _ in range(args.actions)]
        lb = f"http://127.0.0.1:{args.rasa_lb_port}"
        env.update(ASSISTANT_ACTION_ENDPOINT_URL=f"http://127.0.0.1:{args.action_lb_port}/webhook",
                   ASSISTANT_RASA_URL=lb,
                   ASSISTANT_RASA_REPLICA_URLS=",".join(f"http://127.0.0.1:{p}" for p in rasa_ports),
                   ASSISTANT_ACTION_SERVER_URLS=",".join(f"http://127.0.0.1:{p}" for p in action_ports),
                   ASSISTANT_WEB_PORT=str(args.web_port))
        _say(f"==> nginx: Rasa über {lb}, Action-Server über http://127.0.0.1:{args.action_lb_port}")
        nginx = Nginx(var / "nginx", args.rasa_lb_port, args.action_lb_port, rasa_ports, action_ports).start()
        own.append(nginx)
        state.update(rasa_lb=lb, action_lb=f"http://127.0.0.1:{args.action_lb_port}",
                     web=f"http://127.0.0.1:{args.web_port}" if not args.no_web else None,
                     rasa=[f"http://127.0.0.1:{p}" for p in rasa_ports],
                     actions=[f"http://127.0.0.1:{p}" for p in action_ports],
                     database_url=env["ASSISTANT_DATABASE_URL"], tracker_url=env["ASSISTANT_TRACKER_DATABASE_URL"],
                     redis=f"{env['ASSISTANT_REDIS_HOST']}:{env['ASSISTANT_REDIS_PORT']}", nginx_pid=nginx.proc.pid)
        # --- knowledge base once, then the servers ----------------------------------------------------
        _say("==> Wissensbasis in die Anwendungsdatenbank laden")
        import subprocess

        subprocess.run([str(VENV / "app/bin/assistant"), "kb", "load"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        token = rasa_token()
        status_suffix = f"?token={token}" if token else ""
        for i, port in enumerate(action_ports, 1):
            sup.spawn(Child(f"actions-{i}", [str(VENV / "app/bin/python"), "-m", "assistant.action_server", "--actions",
                                             "assistant.actions", "--port", str(port)],
                            live_url=f"http://127.0.0.1:{port}/health"))
        for i, port in enumerate(rasa_ports, 1):
            cmd = [str(VENV / "rasa/bin/python"), "-m", "rasa_addons.serve", "run", "--enable-api", "-i", "127.0.0.1",
                   "-p", str(port), "--model", str(model), "--endpoints", str(ROOT / "endpoints-scaled.yml"),
                   "--credentials", str(ROOT / "credentials-scaled.yml")]
            if token:
                cmd += ["--auth-token", token]
            sup.spawn(Child(f"rasa-{i}", cmd, live_url=f"http://127.0.0.1:{port}/"))
        if not args.no_web:
            sup.spawn(Child("web", [str(VENV / "app/bin/python"), "-m", "assistant.web"],
                            live_url=f"http://127.0.0.1:{args.web_port}/livez"))
        _say(f"==> {args.replicas} Rasa-Replika(s), {args.actions} Action-Server"
             + ("" if args.no_web else ", Webserver") + " starten (Rasa braucht je 30-100 s) …")
        for i, port in enumerate(action_ports, 1):
            _wait(f"http://127.0.0.1:{port}/health", 120, f"Action-Server {i}", sup)
        for i, port in enumerate(rasa_ports, 1):
            _wait(f"http://127.0.0.1:{port}/status{status_suffix}", 900, f"Rasa {i}", sup)
        _wait(f"{lb}/webhooks/rest/ready", 60, "Rasa über nginx (Tracker-, Lock-Store, Actions)", sup)
        if not args.no_web:
            _wait(f"http://127.0.0.1:{args.web_port}/healthz?deep=1", 60, "Webserver", sup)
        state["ready"] = True
        write_state()
        _say(f"\nBereit. Demo-Seite: http://127.0.0.1:{args.web_port}/   Rasa (nginx): {lb}\nBeenden mit Strg+C.")
        if args.exit_when_ready:
            return 0
        while True:
            time.sleep(2)
            sup.check(_say)
            if nginx.proc is not None and nginx.proc.poll() is not None:
                _say("nginx wurde beendet; starte neu …")
                nginx.start()
                state["nginx_pid"] = nginx.proc.pid
                write_state()
    except KeyboardInterrupt:
        _say("\nStoppe …")
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
