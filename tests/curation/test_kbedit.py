"""Editing municipality files: validation with line numbers, history, revert."""
from __future__ import annotations

from assistant.curation import kbedit
from assistant.curation.models import KBChange

from .conftest import StaffEnv

REL = "municipalities/kleinwalde/municipality.yml"


def test_invalid_yaml_is_reported_with_line(staff_env: StaffEnv) -> None:
    original = (staff_env.kb_dir / REL).read_text(encoding="utf-8")
    broken = original.replace("  - id: dorffest_kleinwalde", "  - id: dorffest_kleinwalde\n    farbe: blau", 1)
    line = broken.splitlines().index("    farbe: blau") + 1
    result = kbedit.save(staff_env.sessionmaker(), staff_env.kb_dir, REL, broken, "erika", kbedit.digest(original),
                         staff_env.database_url)
    assert not result.ok
    problem = [p for p in result.problems if p.file == REL][0]
    assert problem.line == line and "unbekanntes Feld" in problem.message
    assert (staff_env.kb_dir / REL).read_text(encoding="utf-8") == original  # nothing saved
    syntax = kbedit.validate(staff_env.kb_dir, REL, "id: kleinwalde\nname: [kaputt\n")
    assert syntax and syntax[0].line is not None and "YAML-Syntaxfehler" in syntax[0].message


def test_too_few_questions_is_an_error(staff_env: StaffEnv) -> None:
    original = (staff_env.kb_dir / REL).read_text(encoding="utf-8")
    broken = original.replace("      - Kann ich beim Dorffest helfen?\n      - Wo ist das Dorffest?\n", "")
    problems = kbedit.validate(staff_env.kb_dir, REL, broken)
    assert any("questions" in p.field for p in problems)


def test_save_history_and_revert(staff_env: StaffEnv) -> None:
    sm = staff_env.sessionmaker()
    path = staff_env.kb_dir / REL
    original = path.read_text(encoding="utf-8")
    changed = original.replace("ab 14 Uhr auf der Festwiese", "ab 15 Uhr auf der Festwiese")
    assert changed != original
    result = kbedit.save(sm, staff_env.kb_dir, REL, changed.replace("\n", "\r\n"), "erika", kbedit.digest(original),
                         staff_env.database_url)
    assert result.ok and result.change_id
    assert path.read_text(encoding="utf-8") == changed  # CRLF from the browser normalised
    with sm() as session:
        change = session.get(KBChange, result.change_id)
        assert change.changed_by == "erika" and change.file == REL and change.action == "edit"
        assert change.old_content == original and change.new_content == changed
    # the database copy of the knowledge base is updated (the running assistant uses it)
    from assistant.db import get_engine
    from assistant.kb.store import read_kb

    kb = read_kb(get_engine(staff_env.database_url))
    assert kb is not None and "15 Uhr" in kb.municipalities["kleinwalde"].local_answers[0].answer
    # a stale editor page is refused
    stale = kbedit.save(sm, staff_env.kb_dir, REL, original, "bert", kbedit.digest(original), staff_env.database_url)
    assert not stale.ok and "inzwischen" in stale.message
    reverted = kbedit.revert(sm, staff_env.kb_dir, result.change_id, "adam", staff_env.database_url)
    assert reverted.ok and path.read_text(encoding="utf-8") == original
    with sm() as session:
        rev = session.get(KBChange, reverted.change_id)
        assert rev.action == "revert" and rev.reverts_id == result.change_id and rev.changed_by == "adam"
