"""A private redis-server for the lock store tests (one per session)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from scaled_services import Redis

ROOT = Path(__file__).resolve().parents[2]
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"


def run_rasa_check(script: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run ``script`` (a file beside this one) in the Rasa environment with a fresh tracker database
    path as its argument and return the JSON object it prints last."""
    if not RASA_PY.exists():
        pytest.skip("Rasa environment not installed (make install)")
    db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([str(RASA_PY), str(Path(__file__).with_name(script)), str(db)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (Debian package redis-server)")
    server = Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture()
def redis_client(redis_server: Redis):
    import redis

    client = redis.Redis.from_url(redis_server.url(), socket_timeout=2)
    client.flushdb()
    yield client
    client.close()
