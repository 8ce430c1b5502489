"""A throw-away PostgreSQL server for tests marked ``postgres`` (Debian's postgresql package).

One server per test session (started on first use, stopped at exit), one fresh database per
test. PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``) in a temporary folder that user owns; as a normal user it runs as that user.
It listens on 127.0.0.1 on a free port, its Unix socket lives in the temporary folder.

Shared by tests/booking/conftest.py and tests/kb/conftest.py (loaded by file path there).
"""
from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Optional

PG_USER = "postgres"


def find_bin_dir() -> Optional[Path]:
    """Newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl, else None."""
    candidates = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        p = Path(d)
        if (p / "initdb").exists() and (p / "pg_ctl").exists():
            try:
                candidates.append((float(p.parent.name), p))
            except ValueError:
                candidates.append((0.0, p))
    if not candidates:
        return None
    return max(candidates)[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="assistant-test-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.started = False
        if self.as_root:
            pw = pwd.getpwnam(PG_USER)  # KeyError -> test error: the Debian package creates this user
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chmod(self.base, 0o700)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(self.base))
        if proc.returncode != 0:
            log = ""
            logfile = self.base / "server.log"
            if logfile.exists():
                log = logfile.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{log}")
        return proc

    def start(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", PG_USER, "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                  str(self.base / "server.log"), "-w", "-t", "60", "start")
        self.started = True

    def stop(self) -> None:
        if self.started:
            try:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, settings: Optional[dict[str, str]] = None) -> str:
        """A new empty database; returns its URL. ``settings`` become ALTER DATABASE ... SET."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={PG_USER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            for key, value in (settings or {}).items():
                conn.execute(f'ALTER DATABASE "{name}" SET {key} TO \'{value}\'')
        return self.url(name)


_lock = threading.Lock()
_server: Optional[PgServer] = None


def get_server() -> PgServer:
    """The session's server (started on first call, stopped when the test process exits)."""
    global _server
    with _lock:
        if _server is None:
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise FileNotFoundError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
            server = PgServer(bin_dir)
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            atexit.register(server.stop)
            _server = server
        return _server
