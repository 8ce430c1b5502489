"""Multi-turn dialogue cases (tests/dialogues/*.yml): loading, matching, running.

Format (one file holds a list of conversations)::

    dialogues:
      - id: kw-hours-then-bus
        tags: [reference]
        about: "Öffnungszeiten, dann der Weg ohne Auto"
        turns:
          - user: "wann hat das bürgerbüro in kleinwalde offen"
            must: ["Dienstag", ["9:00", "9 Uhr"]]   # all items required; a list item = any of its strings
            must_not: ["Zulassungsstelle"]

Matching is case-insensitive over all reply texts and button titles of the turn, joined; whitespace,
non-breaking spaces and dashes are normalised; an expectation that looks like a phone number (only
digits, spaces and / - ( ) +) is compared on digits only. A turn without ``must``/``must_not`` must
get a non-empty reply. Used by tests/test_dialogues.py and scripts/bench_dialogues.py.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

import yaml

DIALOGUE_DIR = Path(__file__).resolve().parent / "dialogues"

Expectation = Union[str, list[str]]
Chat = Callable[[str, str], list[dict[str, Any]]]  # (message, sender) -> Rasa replies

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_PHONE = re.compile(r"^[\d\s/()+\-\u2013\u2014]+$")


@dataclass
class Turn:
    user: str
    must: list[Expectation] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)


@dataclass
class Dialogue:
    id: str
    turns: list[Turn]
    tags: list[str] = field(default_factory=list)
    about: str = ""
    source: str = ""


@dataclass
class TurnResult:
    index: int
    turn: Turn
    reply: str
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class DialogueResult:
    dialogue: Dialogue
    turns: list[TurnResult]
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(t.ok for t in self.turns)

    def report(self) -> str:
        lines = [f"[{self.dialogue.id}] ({self.dialogue.source}) {self.dialogue.about}".rstrip()]
        if self.error:
            lines.append(f"  ERROR: {self.error}")
        for t in self.turns:
            mark = "ok  " if t.ok else "FAIL"
            lines.append(f"  {mark} turn {t.index + 1}: {t.turn.user!r}")
            if not t.ok:
                lines.append("       reply: " + t.reply.replace("\n", "\n              "))
                lines.extend(f"       -> {f}" for f in t.failures)
        return "\n".join(lines)


# ------------------------------------------------------------------ loading

class DialogueFormatError(ValueError):
    """A dialogue file that does not follow the format (names file and conversation)."""


def _expectations(raw: Any, where: str, nested: bool) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    out: list[Any] = []
    for item in raw:
        if isinstance(item, list) and nested:
            if not item or not all(isinstance(x, (str, int, float)) for x in item):
                raise DialogueFormatError(f"{where}: a list item must hold strings")
            out.append([str(x) for x in item])
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        else:
            raise DialogueFormatError(f"{where}: expected strings, got {item!r}")
    return out


def load_file(path: Path) -> list[Dialogue]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("dialogues"), list):
        raise DialogueFormatError(f"{path.name}: top-level key 'dialogues' (a list) is missing")
    out = []
    for n, raw in enumerate(data["dialogues"]):
        where = f"{path.name}: dialogue {n + 1}"
        if not isinstance(raw, dict) or not raw.get("id") or not isinstance(raw.get("turns"), list):
            raise DialogueFormatError(f"{where}: needs 'id' and a list of 'turns'")
        turns = []
        for k, t in enumerate(raw["turns"]):
            tw = f"{where} ({raw['id']}), turn {k + 1}"
            if not isinstance(t, dict) or not isinstance(t.get("user"), (str, int)):
                raise DialogueFormatError(f"{tw}: needs 'user'")
            turns.append(Turn(user=str(t["user"]), must=_expectations(t.get("must"), tw, True),
                              must_not=_expectations(t.get("must_not"), tw, False)))
        tags = raw.get("tags") or []
        out.append(Dialogue(id=str(raw["id"]), turns=turns, tags=[str(x) for x in tags],
                            about=str(raw.get("about") or ""), source=path.name))
    return out


def load_all(directory: Path = DIALOGUE_DIR) -> list[Dialogue]:
    dialogues: list[Dialogue] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        for d in load_file(path):
            if d.id in seen:
                raise DialogueFormatError(f"{path.name}: id {d.id!r} already used in {seen[d.id]}")
            seen[d.id] = path.name
            dialogues.append(d)
    return dialogues


# ------------------------------------------------------------------ matching

def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_DASHES)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _is_phone(expectation: str) -> bool:
    return bool(_PHONE.match(expectation)) and sum(c.isdigit() for c in expectation) >= 5


def contains(haystack: str, needle: str) -> bool:
    if _is_phone(needle):
        return re.sub(r"\D", "", needle) in re.sub(r"\D", "", haystack)
    return normalise(needle) in normalise(haystack)


def reply_text(replies: Iterable[dict[str, Any]]) -> str:
    parts: list[str] = []
    for r in replies:
        if r.get("text"):
            parts.append(str(r["text"]))
        for b in r.get("buttons") or []:
            if b.get("title"):
                parts.append(f"[{b['title']}]")
    return "\n".join(parts)


def check_turn(turn: Turn, replies: list[dict[str, Any]]) -> tuple[str, list[str]]:
    text = reply_text(replies)
    failures = []
    if not text.strip():
        failures.append("no reply")
    for item in turn.must:
        options = item if isinstance(item, list) else [item]
        if not any(contains(text, o) for o in options):
            failures.append("missing " + (" | ".join(repr(o) for o in options)))
    for item in turn.must_not:
        if contains(text, item):
            failures.append(f"must not contain {item!r}")
    return text, failures


def run_dialogue(dialogue: Dialogue, chat: Chat, sender: str) -> DialogueResult:
    """All turns in order with one sender (later turns run even after a failed one)."""
    results: list[TurnResult] = []
    for i, turn in enumerate(dialogue.turns):
        try:
            replies = chat(turn.user, sender)
        except Exception as exc:  # a crashed request is a failed conversation, reported as such
            return DialogueResult(dialogue, results, error=f"turn {i + 1} {turn.user!r}: {exc!r}")
        text, failures = check_turn(turn, replies)
        results.append(TurnResult(i, turn, text, failures))
    return DialogueResult(dialogue, results)
