"""The bounded tracker store (rasa_addons/tracker_store.py: checkpoints), in the real Rasa environment
with a real SQLite file: the events Rasa loads per turn stay bounded, slots carry over, nothing of
the history is lost."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"


def run_check(tmp_path: Path, limit: int, turns: int) -> dict:
    if not RASA_PY.exists():
        pytest.fail("Rasa environment missing: run 'make install'")
    out = subprocess.run([str(RASA_PY), str(ROOT / "tests/privacy/checkpoint_check.py"), str(tmp_path / "t.db"),
                          str(limit), str(turns)], cwd=ROOT, capture_output=True, text=True, timeout=240,
                         env=dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false"))
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_loaded_events_stay_bounded_and_state_carries_over(tmp_path):
    r = run_check(tmp_path, limit=20, turns=30)
    # without checkpoints turn 30 would load 29 * 6 = 174 events
    assert max(r["sizes"]) <= 20 + 6 + 6, r["sizes"]
    assert r["sizes"][-1] < 40
    assert r["municipality"] == "kleinwalde"
    assert r["flow"] == {"type": "checklist", "turn": 29}
    assert r["untouched"] is None
    # the whole history is still stored (staff inbox, privacy export, retention)
    assert r["users_in_full"] == 30 and r["last_user"] == "nachricht 29"


def test_no_checkpoint_below_the_limit(tmp_path):
    r = run_check(tmp_path, limit=0, turns=10)  # 0 = off
    assert r["sizes"] == [1 + i * 6 for i in range(10)]
