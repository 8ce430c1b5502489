"""``StrictSQLTrackerStore`` and the ``rasa_addons.serve`` launcher in the real Rasa environment."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"


@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not RASA_PY.exists():
        pytest.skip("Rasa environment not installed (make install)")
    db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    proc = subprocess.run([str(RASA_PY), str(Path(__file__).with_name("rasa_tracker_check.py")), str(db)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_store_is_created_from_endpoints_and_round_trips(check: dict) -> None:
    assert check["class"] == "StrictSQLTrackerStore" and check["roundtrip"] == ["Hallo"] and check["ping"]


def test_invalid_sender_ids_raise_instead_of_exiting(check: dict) -> None:
    """A NUL sender made Rasa's SQLTrackerStore call sys.exit (via ValueError) on PostgreSQL."""
    assert (check["nul"], check["long"], check["space"]) == ("raised", "raised", "raised")


def test_launcher_skips_the_fail_safe_wrapper_only_for_strict_stores(check: dict) -> None:
    assert check["wrapped_before"] is True
    assert check["wrapped_after"] is False
    assert check["plain_still_wrapped"] is True
