"""Validation messages are German for the errors that used to come through in English."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.kb.loader import KBValidationError, load_kb
from assistant.kb.messages_de import pydantic_error_de, yaml_problem_de

ROOT = Path(__file__).resolve().parents[2]
REL = "municipalities/kleinwalde/municipality.yml"


def problems_with(tmp_path: Path, old: str, new: str) -> list[str]:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    path = kb / REL
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KBValidationError) as exc:
        load_kb(kb)
    return [str(p) for p in exc.value.problems]


def test_list_expected_is_german(tmp_path):
    msgs = problems_with(tmp_path, "ortsteile: [Oberwalde, Birkenhain]", "ortsteile: Oberwalde")
    assert any("[ortsteile]" in m and "muss eine Liste sein" in m for m in msgs), msgs
    assert not any("Input should" in m for m in msgs)


def test_missing_comma_in_flow_list_is_german_with_line(tmp_path):
    msgs = problems_with(tmp_path, 'di: ["09:00-12:00"]', 'di: ["09:00-12:00" "13:00-14:00"')
    assert any(m.startswith(f"{REL}:") and "fehlt ein Komma oder die schließende Klammer" in m for m in msgs), msgs
    assert not any("did not find" in m for m in msgs)


def test_empty_phone_is_refused(tmp_path):
    msgs = problems_with(tmp_path, "phone: 030 23125 400", 'phone: ""')
    assert any("phone" in m and "zu kurz" in m for m in msgs), msgs


def test_unknown_types_still_give_a_german_sentence():
    assert pydantic_error_de({"type": "something_new", "msg": "Input is odd"}) == "ungültiger Wert (Input is odd)"
    assert pydantic_error_de({"type": "string_too_short", "msg": "x", "ctx": {"min_length": 3}}) == \
        "ist zu kurz (mindestens 3 Zeichen)"
    assert yaml_problem_de("mapping values are not allowed here").startswith("ein ':' steht an falscher Stelle")


@pytest.mark.parametrize("text", ["a: 1\n\tb: 2\n", "a: b: c\n", "a:\n  b: 1\n- c\n", "a:\n  b: 1\n\tc: 2\n"])
def test_libyaml_wordings_are_german(text):
    """The loader parses with libyaml (CSafeLoader), whose wordings differ from PyYAML's."""
    import yaml

    with pytest.raises(yaml.YAMLError) as exc:
        yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    german = yaml_problem_de(exc.value.problem)
    assert german != "der Aufbau der Datei ist fehlerhaft", exc.value.problem


def test_tab_in_municipality_file_is_named(tmp_path):
    msgs = problems_with(tmp_path, "ortsteile: [Oberwalde, Birkenhain]", "ortsteile: [Oberwalde, Birkenhain]\n\tfoo: 1")
    assert any(m.startswith(f"{REL}:") and "Tabulator" in m for m in msgs), msgs
