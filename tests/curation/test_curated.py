"""Training examples written by staff: valid Rasa YAML, deduplicated, service annotated."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.curation.curated import CurationError, add_example, annotate, plain, read_curated


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_writes_valid_rasa_yaml(tmp_path: Path, kb) -> None:
    path = tmp_path / "curated.yml"
    assert add_example(path, "Mein Perso ist abgelaufen, was nun?", "ask_documents", "personalausweis", kb).status == "added"
    assert add_example(path, "Was kostet das Boot?", "ask_fees", None, kb).status == "added"
    assert add_example(path, "wie viel kostet ein hund", "ask_fees", "hund_anmelden", kb).status == "added"
    data = _load(path)
    assert data["version"] == "3.1"
    assert isinstance(data["nlu"], list)
    blocks = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert set(blocks) == {"ask_documents", "ask_fees"}
    for examples in blocks.values():
        assert isinstance(examples, str)
        lines = examples.strip().splitlines()
        assert all(line.startswith("- ") for line in lines)
    assert "- Mein [Perso](service) ist abgelaufen, was nun?" in blocks["ask_documents"]
    assert "- Was kostet das Boot?" in blocks["ask_fees"]  # no service chosen: plain
    assert "- wie viel kostet ein [hund](service)" in blocks["ask_fees"]


def test_deduplicates(tmp_path: Path, kb) -> None:
    path = tmp_path / "curated.yml"
    add_example(path, "Wo ist der Wertstoffhof?", "ask_local", None, kb)
    again = add_example(path, "  wo ist der  wertstoffhof ", "ask_local", None, kb)
    assert again.status == "duplicate"
    conflict = add_example(path, "Wo ist der Wertstoffhof", "ask_office", None, kb)
    assert conflict.status == "conflict" and conflict.other_intent == "ask_local"
    intents, _ = read_curated(path)
    assert intents == {"ask_local": ["Wo ist der Wertstoffhof?"]}


def test_checks_existing_training_data(tmp_path: Path, kb) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "nlu").mkdir(parents=True)
    (data_dir / "nlu" / "fees.yml").write_text('version: "3.1"\nnlu:\n- intent: ask_fees\n  examples: |\n'
                                               "    - was kostet der [reisepass](service)\n", encoding="utf-8")
    path = data_dir / "nlu" / "curated.yml"
    same = add_example(path, "Was kostet der Reisepass?", "ask_fees", "reisepass", kb, data_dir)
    assert same.status == "duplicate" and same.other_file == "nlu/fees.yml"
    other = add_example(path, "Was kostet der Reisepass", "ask_documents", None, kb, data_dir)
    assert other.status == "conflict" and other.other_intent == "ask_fees"
    assert not path.exists()


def test_service_annotation_only_when_word_occurs(kb) -> None:
    assert annotate("Brauche neuen Personalausweis", kb, "personalausweis") == "Brauche neuen [Personalausweis](service)"
    assert annotate("Mein Dokument ist weg", kb, "personalausweis") == "Mein Dokument ist weg"
    assert annotate("Fuehrerschein umschreiben", kb, "fuehrerschein").startswith("[Fuehrerschein")  # longest service word wins
    assert annotate("irgendwas", kb, None) == "irgendwas"
    assert plain("Mein [Perso](service) ist weg") == "Mein Perso ist weg"


def test_rejects_bad_examples(tmp_path: Path, kb) -> None:
    path = tmp_path / "curated.yml"
    with pytest.raises(CurationError):
        add_example(path, "   ", "ask_fees", None, kb)
    with pytest.raises(CurationError):
        add_example(path, "Rufen Sie mich an unter [Telefon]", "request_human", None, kb)
    with pytest.raises(CurationError):
        add_example(path, "x" * 301, "ask_fees", None, kb)
    assert not path.exists()


def test_markup_and_line_breaks_are_neutralised(tmp_path: Path, kb) -> None:
    path = tmp_path / "curated.yml"
    add_example(path, "Was [kostet](service)\nder {Pass}?\n- nlu: x", "ask_fees", None, kb)
    data = _load(path)
    examples = data["nlu"][0]["examples"].strip().splitlines()
    assert examples == ["- Was kostet der Pass ? - nlu: x"]


def test_keeps_hand_written_items(tmp_path: Path, kb) -> None:
    path = tmp_path / "curated.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - moin moin\n'
                    "- synonym: personalausweis\n  examples: |\n    - persoausweis\n", encoding="utf-8")
    add_example(path, "servus", "greet", None, kb)
    data = _load(path)
    assert {"synonym": "personalausweis", "examples": "- persoausweis\n"} in data["nlu"]
    greet = [i for i in data["nlu"] if i.get("intent") == "greet"][0]
    assert greet["examples"].splitlines() == ["- moin moin", "- servus"]
