"""Private PostgreSQL, Redis and nginx instances for the scaled profile (Debian packages).

Used by scripts/run_scaled.py (when no ASSISTANT_PG_HOST / ASSISTANT_REDIS_HOST is configured) and
by the scale tests, which start them once per session and restart them under traffic. Each
instance lives in its own folder, binds 127.0.0.1 and can be stopped and started again on the same
port. PostgreSQL refuses to run as root: as root its commands run as the ``postgres`` user.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

PG_USER = "postgres"


def terminate(proc: subprocess.Popen | None, grace: float = 10) -> None:
    """SIGTERM a child, SIGKILL it after ``grace`` seconds."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class Postgres:
    """A PostgreSQL cluster in ``base`` (created on first start, kept across restarts)."""

    def __init__(self, base: Path, port: int | None = None) -> None:
        self.base = base
        self.data = base / "data"
        self.port = port or free_port()
        self.as_root = os.geteuid() == 0
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not candidates:
            raise FileNotFoundError("PostgreSQL not installed (Debian package postgresql)")
        self.bin = Path(candidates[-1]).parent

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = ["runuser", "-u", PG_USER, "--", *args] if self.as_root else list(args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(self.base), check=False)
        if proc.returncode != 0:
            log = (self.base / "server.log").read_text(errors="replace")[-2000:] if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}\n{log}")
        return proc

    def start(self) -> Postgres:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            pw = pwd.getpwnam(PG_USER)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chmod(self.base, 0o700)
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", PG_USER, "-A", "trust", "-E", "UTF8",
                      "--no-locale", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.base} "
                "-c max_connections=200 -c shared_buffers=64MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.base / "server.log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def ensure_database(self, name: str, host: str = "127.0.0.1", port: int | None = None,
                        user: str = PG_USER, password: str = "") -> None:
        ensure_database(name, host, port or self.port, user, password)


def ensure_database(name: str, host: str, port: int, user: str, password: str = "") -> None:
    """CREATE DATABASE ``name`` unless it exists (psycopg 3 from the app environment)."""
    import psycopg

    with psycopg.connect(host=host, port=port, user=user, password=password or None, dbname="postgres",
                         autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


class Redis:
    """A redis-server without persistence in ``base``; stop()/start() keep the port."""

    def __init__(self, base: Path, port: int | None = None) -> None:
        self.base = base
        self.port = port or free_port()
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> Redis:
        self.base.mkdir(parents=True, exist_ok=True)
        log = open(self.base / "redis.log", "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.base), "--daemonize", "no", "--loglevel", "warning"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {(self.base / 'redis.log').read_text()[-1500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


NGINX_CONF = """# generated by scripts/scaled_services.py - do not edit (regenerated on every start)
worker_processes 1;
{user}
pid {base}/nginx.pid;
error_log {base}/error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {base}/tmp/body;
  proxy_temp_path {base}/tmp/proxy;
  fastcgi_temp_path {base}/tmp/fastcgi;
  uwsgi_temp_path {base}/tmp/uwsgi;
  scgi_temp_path {base}/tmp/scgi;
  client_max_body_size 2m;

  # Rasa replicas. A replica that refuses connections is skipped (the request was not sent yet) and
  # left out for 5 s; a message already sent is never replayed to a second replica. No keepalive
  # pool here: a pooled connection to a replica that died accepts the request and then breaks, and
  # nginx may not replay it (the turn could have been stored) - a fresh connect fails cleanly.
  upstream rasa {{
{rasa_servers}
  }}
  # Action servers. Actions that write are idempotent (booking keys), so a request whose server
  # died mid-way is replayed to the next one (non_idempotent).
  upstream actions {{
{action_servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{rasa_port};
    location / {{
      proxy_pass http://rasa;
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 0;
    }}
  }}
  server {{
    listen 127.0.0.1:{action_port};
    location / {{
      proxy_pass http://actions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 0;
    }}
  }}
}}
"""


class Nginx:
    """nginx (Debian nginx-light) as the load balancer in front of Rasa replicas and action servers."""

    def __init__(self, base: Path, rasa_port: int, action_port: int, rasa_backends: list[int],
                 action_backends: list[int]) -> None:
        self.base = base
        self.rasa_port, self.action_port = rasa_port, action_port
        self.rasa_backends, self.action_backends = rasa_backends, action_backends
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.base / "nginx.conf"

    def write_conf(self) -> Path:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.base / "tmp" / sub).mkdir(parents=True, exist_ok=True)

        def servers(ports: list[int]) -> str:
            return "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)

        self.conf.write_text(NGINX_CONF.format(
            base=self.base, user="user root;" if os.geteuid() == 0 else "",
            rasa_servers=servers(self.rasa_backends), action_servers=servers(self.action_backends),
            rasa_port=self.rasa_port, action_port=self.action_port))
        return self.conf

    def start(self, timeout: float = 20) -> Nginx:
        if not Path(self.binary).exists():
            raise FileNotFoundError("nginx not installed (Debian package nginx-light; make install)")
        self.write_conf()
        test = subprocess.run([self.binary, "-t", "-q", "-p", str(self.base), "-c", str(self.conf)],
                              capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise RuntimeError(f"nginx configuration invalid: {test.stderr}")
        log = open(self.base / "nginx.out", "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen([self.binary, "-p", str(self.base), "-c", str(self.conf), "-g", "daemon off;"],
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.base / 'error.log').read_text(errors='replace')[-1500:]}")
            if port_open(self.rasa_port) and port_open(self.action_port):
                return self
            time.sleep(0.1)
        raise RuntimeError("nginx did not start listening")

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None
