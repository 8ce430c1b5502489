"""A local story (the same files the guided staff form writes, ``story_files``) trained into a real
model with the production config.yml and run as the municipality's conversation test.

Full training takes 4-8 minutes on 2 cores, so this runs only with ``ASSISTANT_TRAIN_TESTS=1``.
``make test`` runs the same path with fewer DIET epochs from the guided form in Chromium
(tests/curation/test_clerk_flows.py, helper tests/local_training.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.curation.story_form import Option, StoryForm, story_files

from .local_training import prepare_project, train_and_test

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
    prepare_project(kb, project)
    train_and_test(project, kb, "auental", epochs=None)  # production config.yml, unchanged
