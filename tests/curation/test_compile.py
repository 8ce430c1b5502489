"""Local knowledge compiles into NLU examples of the intent ask_local."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from assistant.curation.compile import write_local_nlu


def test_writes_every_example_question(tmp_path: Path, kb) -> None:
    path = write_local_nlu(kb, tmp_path / "generated")
    assert path == tmp_path / "generated" / "local_answers.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert [item["intent"] for item in data["nlu"]] == ["ask_local"]
    examples = [line[2:] for line in data["nlu"][0]["examples"].splitlines()]
    expected = {q for mun in kb.municipalities.values() for a in mun.local_answers for q in a.questions}
    assert set(examples) == expected
    assert len(examples) == len(set(examples))


def test_empty_knowledge_base_still_valid(tmp_path: Path, kb) -> None:
    kb = copy.deepcopy(kb)
    for mun in kb.municipalities.values():
        mun.local_answers.clear()
    data = yaml.safe_load(write_local_nlu(kb, tmp_path).read_text(encoding="utf-8"))
    assert data["nlu"] == []
