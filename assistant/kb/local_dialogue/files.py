"""Read a municipality's ``dialogue/`` folder and the global domain it may use (with line numbers)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from assistant.kb.loader import Problem, _File

DIALOGUE_DIR = "dialogue"
DATA_DIR = "data"
TESTS_FILE = "tests.yml"
PARTS = ("nlu.yml", "stories.yml", "rules.yml", "responses.yml")
GENERIC_ACTIONS = ("action_local_gate", "action_local_lookup")
ELSEWHERE_RESPONSE = "utter_local_elsewhere"


@dataclass
class DialogueFolder:
    """The raw files of one municipality's local dialogues (``None`` = file absent or unreadable)."""

    municipality_id: str
    folder: Path
    parts: dict[str, Optional[_File]] = field(default_factory=dict)
    tables: dict[str, _File] = field(default_factory=dict)
    tests: Optional[_File] = None

    def part(self, name: str) -> Optional[_File]:
        return self.parts.get(name)


@dataclass
class GlobalDomain:
    """What local files may use: the national intents, entities, slots, responses, actions, rules."""

    intents: set[str]
    entities: set[str]
    slots: set[str]
    responses: set[str]
    actions: set[str]
    forms: set[str]
    # rule openings: intent -> (first action, rule name, file)
    rule_openings: dict[str, tuple[str, str, str]]
    examples: dict[str, str]  # normalised NLU example -> intent


def municipality_folders(kb_root: Path) -> list[Path]:
    mun_dir = Path(kb_root) / "municipalities"
    return sorted(p.parent for p in mun_dir.glob("*/municipality.yml")) if mun_dir.is_dir() else []


def read_folder(kb_root: Path, mun_folder: Path, problems: list[Problem]) -> Optional[DialogueFolder]:
    """The dialogue files of one municipality folder, or None if it ships none."""
    folder = mun_folder / DIALOGUE_DIR
    tests_path = mun_folder / TESTS_FILE
    if not folder.is_dir() and not tests_path.is_file():
        return None
    out = DialogueFolder(municipality_id=mun_folder.name, folder=folder)
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_dir() and path.name == DATA_DIR:
                continue
            if path.name not in PARTS:
                rel = _rel(path, kb_root)
                problems.append(Problem(rel, None, "", "unbekannte Datei im Ordner dialogue/ (erlaubt: "
                                        f"{', '.join(PARTS)} und Tabellen in {DATA_DIR}/)"))
        for name in PARTS:
            path = folder / name
            if path.is_file():
                f = _File(path, kb_root)
                out.parts[name] = f if f.read(problems) else None
        data = folder / DATA_DIR
        for path in sorted(data.glob("*")) if data.is_dir() else []:
            if path.suffix != ".yml":
                problems.append(Problem(_rel(path, kb_root), None, "", "Tabellen müssen auf .yml enden"))
                continue
            f = _File(path, kb_root)
            if f.read(problems):
                out.tables[path.stem] = f
    if tests_path.is_file():
        f = _File(tests_path, kb_root)
        out.tests = f if f.read(problems) else None
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ the national (global) domain

ANNOTATION_RE = re.compile(r"\[([^\]]*)\]\((\w+)(?::[^)]*)?\)|\[([^\]]*)\](\{[^}]*\})")


def strip_annotations(example: str) -> tuple[str, list[str]]:
    """Plain text of an NLU example and the entity names annotated in it."""
    entities: list[str] = []

    def repl(m: re.Match) -> str:
        if m.group(2):
            entities.append(m.group(2))
            return m.group(1)
        try:
            import json

            meta = json.loads(m.group(4))
            if isinstance(meta, dict) and meta.get("entity"):
                entities.append(str(meta["entity"]))
        except ValueError:
            entities.append("?")
        return m.group(3)

    return ANNOTATION_RE.sub(repl, example), entities


def example_lines(block: Any) -> list[tuple[int, str]]:
    """(offset, example) for each '- ' line of an ``examples: |`` block."""
    if not isinstance(block, str):
        return []
    out = []
    for i, line in enumerate(block.splitlines()):
        s = line.strip()
        if s.startswith("- "):
            out.append((i, s[2:].strip()))
        elif s == "-":
            out.append((i, ""))
    return out


def _yaml_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*.yml") if "generated" not in p.parts)
    return []


def load_global_domain(project_root: Path) -> GlobalDomain:
    """Read domain.yml (or a domain/ folder) and data/ of the project: the national dialogue."""
    from assistant.kb.loader import normalize

    intents: set[str] = set()
    entities: set[str] = set()
    slots: set[str] = set()
    responses: set[str] = set()
    actions: set[str] = set()
    forms: set[str] = set()
    for path in _yaml_files(project_root / "domain.yml") + _yaml_files(project_root / "domain"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            intents.add(next(iter(item)) if isinstance(item, dict) else str(item))
        for item in data.get("entities") or []:
            entities.add(next(iter(item)) if isinstance(item, dict) else str(item))
        slots |= set(data.get("slots") or {})
        responses |= set(data.get("responses") or {})
        actions |= {str(a) for a in data.get("actions") or []}
        forms |= set(data.get("forms") or {})
    openings: dict[str, tuple[str, str, str]] = {}
    examples: dict[str, str] = {}
    data_dir = project_root / "data"
    for path in _yaml_files(data_dir):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue  # rasa data validate reports broken national files
        if not isinstance(data, dict):
            continue
        rel = _rel(path, project_root)
        for rule in data.get("rules") or []:
            opening = rule_opening(rule)
            if opening:
                openings.setdefault(opening[0], (opening[1], str(rule.get("rule", "")), rel))
        for item in data.get("nlu") or []:
            if isinstance(item, dict) and item.get("intent"):
                for _, ex in example_lines(item.get("examples")):
                    examples.setdefault(normalize(strip_annotations(ex)[0]), str(item["intent"]))
    return GlobalDomain(intents, entities, slots, responses, actions, forms, openings, examples)


def rule_opening(rule: Any) -> Optional[tuple[str, str]]:
    """(intent, action) if a rule starts unconditionally with an intent followed by an action."""
    if not isinstance(rule, dict) or rule.get("condition") or rule.get("conversation_start"):
        return None
    steps = rule.get("steps") or []
    if len(steps) >= 2 and isinstance(steps[0], dict) and isinstance(steps[1], dict) \
            and steps[0].get("intent") and steps[1].get("action"):
        return str(steps[0]["intent"]), str(steps[1]["action"])
    return None
