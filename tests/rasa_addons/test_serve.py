"""The speed-ups of the ``rasa_addons.serve`` launcher and the SQLite tracker store keep Rasa's
behaviour (real Rasa environment): action responses are accepted and refused exactly as before,
with the same messages; spaCy loads once per process; the SQLite tracker store runs in WAL mode
with ``synchronous=NORMAL`` and a busy timeout (several Rasa processes share the file)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import RASA_PY, ROOT, run_rasa_check



@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_rasa_check("rasa_serve_check.py", tmp_path_factory)


def test_action_responses_are_validated_as_before(check: dict) -> None:
    assert check["after"] == check["before"]
    assert check["after"][:2] == [True, True]
    assert all(isinstance(m, str) and m.startswith("ValidationError") and "Action server response" in m
               for m in check["after"][2:])


def test_spacy_pipeline_loads_once(check: dict) -> None:
    assert check["spacy_once"] is True and check["spacy_lang"] == "de"


def test_sqlite_tracker_store_pragmas(check: dict) -> None:
    assert check["pragmas"] == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 10000}
    assert check["pool"] == "QueuePool"


def test_fast_model_load_parses_exactly_as_rasa_does(tmp_path: Path) -> None:
    model = ROOT / "models" / "current.tar.gz"
    if not RASA_PY.exists() or not model.exists():
        pytest.skip("Rasa environment or trained model missing (make install train)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([str(RASA_PY), str(Path(__file__).with_name("rasa_model_load_check.py")), str(model)],
                          capture_output=True, text=True, timeout=900, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["fast"] == result["plain"]
    assert {r[1] for r in result["fast"]} >= {"ask_documents", "greet", "deny"}  # a real model answered
