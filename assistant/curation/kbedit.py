"""Editing municipality files of the knowledge base from the staff area.

A change is validated with :func:`assistant.kb.loader.load_kb` on a temporary copy of kb/
before it is saved; every saved change is recorded (who, when, file, old and new content) and
can be reverted. After saving, the knowledge base is loaded into the database so the running
assistant uses it within a minute (see :class:`assistant.kb.store.KBProvider`).
"""
from __future__ import annotations

import difflib
import hashlib
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sqlalchemy.orm import sessionmaker

from assistant.curation.models import KBChange, utcnow
from assistant.kb.loader import KBValidationError, Problem, load_kb
from assistant.kb.schema import SLUG_RE

logger = logging.getLogger(__name__)
MAX_CONTENT = 1_000_000


def municipality_files(kb_dir: Path) -> dict[str, Path]:
    """Municipality id -> its file (only ids that are valid slugs)."""
    out: dict[str, Path] = {}
    base = kb_dir / "municipalities"
    if base.is_dir():
        for path in sorted(base.glob("*/municipality.yml")):
            if re.match(SLUG_RE, path.parent.name):
                out[path.parent.name] = path
    return out


def rel_name(kb_dir: Path, path: Path) -> str:
    return str(path.relative_to(kb_dir))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def normalize_content(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def validate(kb_dir: Path, rel_path: str, content: str) -> list[Problem]:
    """Problems of the knowledge base (and the local dialogues) if ``rel_path`` had ``content``
    (empty list = valid)."""
    if len(content.encode("utf-8")) > MAX_CONTENT:
        return [Problem(rel_path, None, "", "Die Datei ist zu groß.")]
    return validate_many(kb_dir, {rel_path: content})


@dataclass
class SaveResult:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    message: str = ""
    change_id: Optional[int] = None


def _write(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def reload_database(kb_dir: Path, database_url: str) -> None:
    """Load the (validated) kb/ into the database so the assistant answers with it."""
    from assistant.db import get_engine
    from assistant.kb.store import save_kb

    save_kb(load_kb(kb_dir), get_engine(database_url))


def save(sm: sessionmaker, kb_dir: Path, rel_path: str, content: str, user: str, expected_digest: Optional[str],
         database_url: str, action: str = "edit", reverts_id: Optional[int] = None) -> SaveResult:
    """Validate and save one file; record the change. ``expected_digest`` guards against lost updates."""
    path = kb_dir / rel_path
    if not path.is_file():
        return SaveResult(False, message="Diese Datei gibt es nicht.")
    content = normalize_content(content)
    old = path.read_text(encoding="utf-8")
    if expected_digest is not None and digest(old) != expected_digest:
        return SaveResult(False, message="Die Datei wurde inzwischen von jemand anderem geändert. Bitte laden Sie "
                                         "die Seite neu und übernehmen Sie Ihre Änderung noch einmal.")
    if old == content:
        return SaveResult(True, message="Keine Änderung.")
    problems = validate(kb_dir, rel_path, content)
    if problems:
        return SaveResult(False, problems=problems, message="Nicht gespeichert: die Daten enthalten Fehler.")
    _write(path, content)
    with sm() as session:
        change = KBChange(file=rel_path, changed_by=user, changed_at=utcnow(), action=action, reverts_id=reverts_id,
                          old_content=old, new_content=content)
        session.add(change)
        session.commit()
        change_id = change.id
    try:
        reload_database(kb_dir, database_url)
    except Exception:  # the file is saved; the next 'assistant kb load' picks it up
        logger.exception("saved %s but could not reload the knowledge base into the database", rel_path)
        return SaveResult(True, message="Gespeichert. Die Datenbank konnte nicht aktualisiert werden; bitte "
                                        "'assistant kb load' ausführen.", change_id=change_id)
    return SaveResult(True, message="Gespeichert.", change_id=change_id)


def revert(sm: sessionmaker, kb_dir: Path, change_id: int, user: str, database_url: str) -> SaveResult:
    """Restore the content a change replaced (recorded as a new change)."""
    with sm() as session:
        change = session.get(KBChange, change_id)
        if change is None:
            return SaveResult(False, message="Diese Änderung gibt es nicht.")
        rel_path, old_content = change.file, change.old_content
    if old_content == "" or not (kb_dir / rel_path).is_file():  # a file the forms created (or deleted)
        return save_many(sm, kb_dir, {rel_path: old_content}, user, database_url, action="revert",
                         reverts_id=change_id)
    return save(sm, kb_dir, rel_path, old_content, user, None, database_url, action="revert", reverts_id=change_id)


def diff(old: str, new: str, name: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"{name} (vorher)", tofile=f"{name} (nachher)", n=2))


# ------------------------------------------------------------------ several files at once (staff forms)

def _allowed_new_file(rel_path: str) -> bool:
    """Files the forms may create: a municipality's dialogue files, data tables and tests."""
    return bool(re.fullmatch(r"municipalities/[a-z][a-z0-9_]*/(dialogue/(nlu|stories|rules|responses)\.yml|"
                             r"dialogue/data/[a-z][a-z0-9_]*\.yml|tests\.yml)", rel_path))


def validate_many(kb_dir: Path, contents: dict[str, str]) -> list[Problem]:
    """Problems of the knowledge base and its local dialogues if the files had ``contents``
    (an empty content deletes a file the forms created)."""
    from assistant.config import ROOT
    from assistant.kb.local_dialogue.check import check_local_dialogues

    if sum(len(c.encode("utf-8")) for c in contents.values()) > MAX_CONTENT:
        return [Problem(next(iter(contents)), None, "", "Die Dateien sind zu groß.")]
    with tempfile.TemporaryDirectory(prefix="kbcheck-") as tmp:
        copy = Path(tmp) / "kb"
        shutil.copytree(kb_dir, copy, ignore=shutil.ignore_patterns(".git", "*.tmp", "__pycache__"))
        for rel_path, content in contents.items():
            target = copy / rel_path
            if content == "":
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        try:
            kb = load_kb(copy)
        except KBValidationError as exc:
            return exc.problems
        return check_local_dialogues(copy, ROOT, list(kb.municipalities))[1]


def save_many(sm: sessionmaker, kb_dir: Path, contents: dict[str, str], user: str, database_url: str,
              action: str = "edit", reverts_id: Optional[int] = None) -> SaveResult:
    """Validate and save several files together (a local story touches four); one recorded change per
    file. New files are allowed only where local dialogues live; empty content deletes such a file."""
    olds: dict[str, str] = {}
    for rel_path, content in contents.items():
        path = kb_dir / rel_path
        if not path.is_file() and not _allowed_new_file(rel_path):
            return SaveResult(False, message=f"Die Datei {rel_path} gibt es nicht.")
        if content == "" and not _allowed_new_file(rel_path):
            return SaveResult(False, message=f"Die Datei {rel_path} darf nicht leer sein.")
        olds[rel_path] = path.read_text(encoding="utf-8") if path.is_file() else ""
    contents = {k: (normalize_content(v) if v else "") for k, v in contents.items()}
    changed = {k: v for k, v in contents.items() if v != olds[k]}
    if not changed:
        return SaveResult(True, message="Keine Änderung.")
    problems = validate_many(kb_dir, changed)
    if problems:
        return SaveResult(False, problems=problems, message="Nicht gespeichert: die Daten enthalten Fehler.")
    for rel_path, content in changed.items():
        path = kb_dir / rel_path
        if content == "":
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, content)
    now = utcnow()  # one time for all files: they form one group in the history
    with sm() as session:
        changes = [KBChange(file=rel_path, changed_by=user, changed_at=now, action=action, reverts_id=reverts_id,
                            old_content=olds[rel_path], new_content=content) for rel_path, content in changed.items()]
        session.add_all(changes)
        session.commit()
        change_id = changes[-1].id
    try:
        reload_database(kb_dir, database_url)
    except Exception:
        logger.exception("saved %s but could not reload the knowledge base into the database", list(changed))
        return SaveResult(True, message="Gespeichert. Die Datenbank konnte nicht aktualisiert werden; bitte "
                                        "'assistant kb load' ausführen.", change_id=change_id)
    return SaveResult(True, message="Gespeichert.", change_id=change_id)


def change_group(session, change: KBChange) -> list[KBChange]:
    """All changes recorded by the same save as ``change`` (same user, time and kind)."""
    from sqlalchemy import select

    q = select(KBChange).where(KBChange.changed_at == change.changed_at, KBChange.changed_by == change.changed_by,
                               KBChange.action == change.action).order_by(KBChange.id)
    return list(session.scalars(q))


def revert_group(sm: sessionmaker, kb_dir: Path, change_id: int, user: str, database_url: str) -> SaveResult:
    """Restore every file of the save that recorded ``change_id`` together (validated as a whole)."""
    with sm() as session:
        change = session.get(KBChange, change_id)
        if change is None:
            return SaveResult(False, message="Diese Änderung gibt es nicht.")
        contents = {c.file: c.old_content for c in change_group(session, change)}
    return save_many(sm, kb_dir, contents, user, database_url, action="revert", reverts_id=change_id)
