"""A local story written through the guided staff form, trained into a real model and run as a
conversation test (``rasa test core`` on the municipality's tests.yml, which the form also writes).

Training takes 4-8 minutes on 2 cores (measured 26 min for the whole test at load average 15 on
the shared machine), too slow for every ``make test``: this runs only with
``ASSISTANT_TRAIN_TESTS=1`` (once per session). ``make test`` covers the same files with
``assistant kb check`` + ``rasa data validate`` (tests/curation/test_clerk_flows.py) and runs the
demo municipalities' own tests.yml against the real model (scripts/test.sh step 4)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.curation.story_form import Option, StoryForm, story_files

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.environ.get("ASSISTANT_TRAIN_TESTS") != "1",
                                                   reason="set ASSISTANT_TRAIN_TESTS=1 (trains a model, minutes)")]


def test_story_from_the_guided_form_works_in_a_trained_model(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    form = StoryForm("dorfladen_tag", ["Wann kommt der mobile Dorfladen zu uns?",
                                       "Wann hält der rollende Laden in meinem Ortsteil?",
                                       "Wo kann ich beim Verkaufswagen einkaufen?",
                                       "Kommt der Dorfladen-Wagen auch zu uns?", "verkaufswagen halt bei uns"],
                     "In welchem Ortsteil von Auental wohnen Sie?",
                     [Option("Lindenau", "Der Verkaufswagen hält dienstags um 10 Uhr am Feuerwehrhaus Lindenau."),
                      Option("Wiesengrund", "Der Verkaufswagen hält donnerstags um 9 Uhr an der Haltestelle.")])
    for rel, content in story_files(kb, "auental", form).items():
        (kb / rel).parent.mkdir(parents=True, exist_ok=True)
        (kb / rel).write_text(content, encoding="utf-8")
    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data", ignore=shutil.ignore_patterns("generated"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    run = lambda *cmd, **kw: subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, **kw)  # noqa: E731
    gen = run(str(ROOT / ".venv/app/bin/assistant"), "kb", "nlu", "--path", str(kb), "--out", "data/nlu/generated",
              "--dialogue-out", "data/generated/local_dialogues", "--domain-out", "build/domain", timeout=300)
    assert gen.returncode == 0, gen.stderr
    train = run(str(ROOT / ".venv/rasa/bin/rasa"), "train", "--domain", "build/domain", "--data", "data",
                "--config", str(ROOT / "config.yml"), "--out", "models", "--fixed-model-name", "m", timeout=1800)
    assert train.returncode == 0 and (project / "models/m.tar.gz").exists(), train.stdout[-3000:]
    stories = project / "stories"
    stories.mkdir()
    shutil.copy(kb / "municipalities/auental/tests.yml", stories / "local_auental.yml")
    test = run(str(ROOT / ".venv/rasa/bin/rasa"), "test", "core", "--model", "models/m.tar.gz", "--stories",
               str(stories), "--fail-on-prediction-errors", "--out", "results", timeout=1200)
    failed = (project / "results/failed_test_stories.yml").read_text(encoding="utf-8")
    assert test.returncode == 0 and "None of the test stories failed" in failed, failed[:3000]
