"""What the generic local-dialogue actions need at run time, without Rasa: whose intent this is,
whether the resident may get the answer, and the data tables (re-read when a file changes)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from pydantic import ValidationError

from assistant.kb.loader import KnowledgeBase
from assistant.kb.local_dialogue.files import DATA_DIR, DIALOGUE_DIR
from assistant.kb.local_dialogue.tables import LookupTable


def owner_of_intent(kb: KnowledgeBase, intent: Optional[str]) -> Optional[str]:
    """The municipality whose id prefixes ``intent`` (longest prefix wins)."""
    if not intent:
        return None
    hits = [mid for mid in kb.municipalities if intent.startswith(mid + "_")]
    return max(hits, key=len) if hits else None


@dataclass(frozen=True)
class Gate:
    """Decision of the gate: allowed, or why not (the resident lives elsewhere / unknown)."""

    allowed: bool
    owner: str
    resident_of: Optional[str]


def decide_gate(owner: str, named: Optional[str], slot: Optional[str], default: Optional[str]) -> Gate:
    """Local knowledge of ``owner`` is given if the message names it, or the resident lives there."""
    if named == owner:
        return Gate(True, owner, owner)
    if named:
        return Gate(False, owner, named)
    where = slot or default or None
    return Gate(where == owner, owner, where)


class TableStore:
    """All municipalities' lookup tables by slot name; re-read when a table file changes."""

    def __init__(self, kb_dir: Path):
        self.kb_dir = Path(kb_dir)
        self._lock = threading.Lock()
        self._stamp: tuple = ()
        self._tables: dict[str, LookupTable] = {}

    def _files(self) -> list[Path]:
        return sorted(self.kb_dir.glob(f"municipalities/*/{DIALOGUE_DIR}/{DATA_DIR}/*.yml"))

    def tables(self) -> dict[str, LookupTable]:
        files = self._files()
        stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files)
        with self._lock:
            if stamp != self._stamp:
                tables: dict[str, LookupTable] = {}
                for path in files:
                    try:
                        table = LookupTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
                    except (OSError, yaml.YAMLError, ValidationError):
                        continue  # 'assistant kb check' reports it; a broken table never breaks the others
                    tables.setdefault(table.slot, table)
                self._tables, self._stamp = tables, stamp
            return self._tables
