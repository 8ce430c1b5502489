"""The dialogue case format and matcher (no Rasa needed)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogue_suite import DialogueFormatError, Turn, check_turn, contains, load_all, load_file


def test_matching_normalises_case_space_dashes_and_phone_numbers():
    reply = "Di 9:00\u201312:00 Uhr, Telefon 030\u00a023125-130"
    assert contains(reply, "di 9:00-12:00")
    assert contains(reply, "030 23125 130")
    assert contains(reply, "(030) 23125/130")
    assert not contains(reply, "030 23125 131")
    assert not contains(reply, "Mittwoch")


def test_check_turn_all_items_and_alternatives():
    replies = [{"text": "Dienstag 9 Uhr", "buttons": [{"title": "Termin buchen", "payload": "/x"}]}]
    _, failures = check_turn(Turn("x", must=["dienstag", ["9:00", "9 Uhr"], "termin buchen"]), replies)
    assert failures == []
    _, failures = check_turn(Turn("x", must=["Mittwoch"], must_not=["Dienstag"]), replies)
    assert len(failures) == 2
    _, failures = check_turn(Turn("x"), [])
    assert failures == ["no reply"]


def test_bad_file_names_the_dialogue(tmp_path: Path):
    p = tmp_path / "bad.yml"
    p.write_text("dialogues:\n  - id: a\n    turns:\n      - must: [x]\n", encoding="utf-8")
    with pytest.raises(DialogueFormatError, match="bad.yml: dialogue 1 \\(a\\), turn 1"):
        load_file(p)


def test_committed_dialogues_load_with_unique_ids():
    dialogues = load_all()
    assert dialogues, "tests/dialogues/ holds no conversations"
    assert all(d.turns for d in dialogues)


def test_known_failures_name_existing_conversations():
    from tests.dialogue_suite import DIALOGUE_DIR

    ids = {d.id for d in load_all()}
    listed = [line.strip() for line in (DIALOGUE_DIR / "known_failures.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    assert set(listed) <= ids, set(listed) - ids
