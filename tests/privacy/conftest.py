"""Fixtures for the privacy tests: tracker stores on real SQLite and a real PostgreSQL server,
driven through Rasa's own (redacting) SQL tracker store in the Rasa environment."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"


def _pgserver():
    """tests/booking/pgserver.py, loaded once by path."""
    if "pgserver" in sys.modules:
        return sys.modules["pgserver"]
    spec = importlib.util.spec_from_file_location("pgserver", ROOT / "tests" / "booking" / "pgserver.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["pgserver"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class TrackerDB:
    url: str  # SQLAlchemy URL, as ASSISTANT_TRACKER_DATABASE_URL
    store_config: dict[str, Any]  # the same database as endpoints.yml tracker_store settings

    def rasa(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run tests/privacy/rasa_store_probe.py with the real tracker store class."""
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
        proc = subprocess.run([str(RASA_PY), str(ROOT / "tests" / "privacy" / "rasa_store_probe.py"),
                               json.dumps(self.store_config), command, json.dumps(args)],
                              capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def tracker_db(request, tmp_path) -> TrackerDB:
    if not RASA_PY.exists():
        pytest.fail("Rasa environment missing: run 'make install'")
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        return TrackerDB(f"sqlite:///{path}", {"dialect": "sqlite", "db": str(path)})
    pg = _pgserver()
    if pg.find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries not installed (no /usr/lib/postgresql/*/bin/initdb)")
    url = pg.get_server().create_database()
    u = urlparse(url)
    return TrackerDB(url, {"dialect": "postgresql", "url": u.hostname, "port": u.port, "db": u.path.lstrip("/"),
                           "username": u.username})
