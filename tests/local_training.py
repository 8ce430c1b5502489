"""Train a Rasa model on a copy of the project with a municipality's local story added, and run that
municipality's own conversation tests (``kb/municipalities/<id>/tests.yml``) against it.

Used by the clerk flow in Chromium (tests/curation/test_clerk_flows.py, part of ``make test``) and by
the opt-in full-config run (tests/test_local_dialogue_training.py, ``ASSISTANT_TRAIN_TESTS=1``).

Why a cheaper config is enough here: every dialogue turn is predicted by the RulePolicy (config.yml
has no ML policy), so a story works or fails by its rules and by the NLU telling its questions apart
from the national intents. Only the DIET epochs are lowered (``epochs``); every other component and
setting stays as in config.yml. The semantic layer reads its sentence-vector cache from the
worktree's var/cache/semantic (filled by the main training), so only new sentences are embedded.
See docs/adr/0018-staff-templates-and-local-story-test.md for the measured times."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
# DIET epochs for the local-story test model (config.yml trains 60; training accuracy is 0.99 at 10)
TEST_DIET_EPOCHS = 10


def cheap_config(out: Path, epochs: Optional[int]) -> Path:
    """config.yml with DIET trained for ``epochs`` (None: unchanged) and absolute cache paths."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier" and epochs is not None:
            component["epochs"] = epochs
        if component["name"].endswith("semantic_router.SemanticRouter"):
            component.setdefault("cache_dir", str(ROOT / "var/cache/semantic"))
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")


def prepare_project(kb_dir: Path, project: Path) -> None:
    """``project``: the national data/ plus the NLU, dialogue files and domain generated from ``kb_dir``."""
    shutil.copytree(ROOT / "data", project / "data", ignore=shutil.ignore_patterns("generated"),
                    dirs_exist_ok=True)
    gen = subprocess.run([str(ROOT / ".venv/app/bin/assistant"), "kb", "nlu", "--path", str(kb_dir),
                          "--out", "data/nlu/generated", "--dialogue-out", "data/generated/local_dialogues",
                          "--domain-out", "build/domain"],
                         cwd=project, env=_env(), capture_output=True, text=True, timeout=300)
    assert gen.returncode == 0, gen.stderr[-3000:]


def train_and_test(project: Path, kb_dir: Path, municipality: str,
                   epochs: Optional[int] = TEST_DIET_EPOCHS) -> dict[str, Any]:
    """Train on ``project`` (see :func:`prepare_project`) and run the municipality's tests.yml with
    --fail-on-prediction-errors, in one Rasa process (tests/local_story_run.py). Asserts that
    training worked and no test story failed; returns the timings in seconds."""
    config = cheap_config(project / "config.yml", epochs)
    stories = project / "stories"
    stories.mkdir(exist_ok=True)
    shutil.copy(kb_dir / "municipalities" / municipality / "tests.yml", stories / f"local_{municipality}.yml")
    start = time.monotonic()
    run = subprocess.run([str(ROOT / ".venv/rasa/bin/python"), str(ROOT / "tests/local_story_run.py"), str(config),
                          str(stories), "results"],
                         cwd=project, env=_env(), capture_output=True, text=True, timeout=1800)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {"error": (run.stdout + run.stderr)[-3000:]}
    assert "error" not in result, result["error"]
    report = project / "results/failed_test_stories.yml"
    failed = report.read_text(encoding="utf-8") if report.exists() else (run.stdout + run.stderr)[-3000:]
    assert run.returncode == 0 and "None of the test stories failed" in failed, failed[:4000]
    result["total_s"] = round(time.monotonic() - start)
    (project / "timings.json").write_text(json.dumps(result), encoding="utf-8")
    print(f"local story model ({epochs or 'config.yml'} DIET epochs): {result}")
    return result
