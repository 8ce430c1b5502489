"""Training examples added by staff: data/nlu/curated.yml (or ASSISTANT_CURATED_NLU).

The file is valid Rasa 3.1 YAML, one block per intent, deduplicated. A service is annotated as
``[word](service)`` when one of the service's words occurs in the text. Examples that already
exist in the training data under a different intent are refused (Rasa's data validation would
fail on them).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

from assistant.curation.compile import clean_example
from assistant.curation.redact import has_placeholder
from assistant.kb.loader import KnowledgeBase, normalize

HEADER = ("# Trainingsbeispiele aus dem Mitarbeiterbereich (/staff, 'Eingang'). Wird automatisch geschrieben.\n"
          "# Von Hand ändern geht, aber bitte gültiges Rasa-YAML behalten.\n")
MAX_EXAMPLE_CHARS = 300
ANNOTATION_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    """Example text without entity markup: '[Perso](service) weg' -> 'Perso weg'."""
    return ANNOTATION_RE.sub(lambda m: m.group(1), example)


def example_key(example: str) -> str:
    return normalize(plain(example))


@dataclass
class AddResult:
    status: str  # added | duplicate | conflict
    example: str
    other_intent: str = ""
    other_file: str = ""


class CurationError(ValueError):
    """The example cannot be used (message in German)."""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _examples_of(item: dict[str, Any]) -> list[str]:
    raw = item.get("examples")
    if not isinstance(raw, str):
        return []
    out = []
    for line in raw.splitlines():
        line = line.strip()
        if line.startswith("- "):
            out.append(line[2:].strip())
        elif line == "-":
            continue
    return out


def read_curated(path: Path) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """(intent -> examples, other NLU items kept as they are) of the curated file."""
    if not path.is_file():
        return {}, []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    intents: dict[str, list[str]] = {}
    others: list[dict[str, Any]] = []
    for item in data.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item:
            intents.setdefault(str(item["intent"]), []).extend(_examples_of(item))
        elif isinstance(item, dict):
            others.append(item)
    return intents, others


def render(intents: dict[str, list[str]], others: Optional[list[dict[str, Any]]] = None) -> str:
    parts = [HEADER, 'version: "3.1"\n', "nlu:\n"]
    if not any(intents.values()) and not others:
        parts[-1] = "nlu: []\n"
    for intent in sorted(intents):
        examples = intents[intent]
        if not examples:
            continue
        parts.append(f"- intent: {intent}\n  examples: |\n")
        parts.extend(f"    - {e}\n" for e in examples)
    for item in others or []:
        dumped = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=1000)
        parts.append(dumped)
    return "".join(parts)


def training_examples(data_dir: Path, skip: Optional[Path] = None) -> dict[str, tuple[str, str]]:
    """normalised example -> (intent, file) over all NLU files below ``data_dir``."""
    found: dict[str, tuple[str, str]] = {}
    if not data_dir.is_dir():
        return found
    for path in sorted(data_dir.rglob("*.yml")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            continue
        if not isinstance(data, dict):
            continue
        for item in data.get("nlu") or []:
            if isinstance(item, dict) and "intent" in item:
                for ex in _examples_of(item):
                    found.setdefault(example_key(ex), (str(item["intent"]), str(path.relative_to(data_dir))))
    return found


def service_words(kb: KnowledgeBase, slug: str) -> list[str]:
    svc = kb.services[slug]
    words = {*svc.words, slug.replace("_", " ")}
    return sorted((w for w in words if w.strip()), key=lambda w: -len(w))


def _fold(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        text = text.replace(a, b)
    return text


def annotate(text: str, kb: Optional[KnowledgeBase], service: Optional[str]) -> str:
    """Mark the first (longest) word of ``service`` found in ``text`` as ``[word](service)``."""
    if not service or kb is None or service not in kb.services:
        return text
    for word in service_words(kb, service):
        for candidate in dict.fromkeys((word, _fold(word))):
            m = re.search(rf"(?<!\w){re.escape(candidate)}(?!\w)", text, flags=re.IGNORECASE)
            if m:
                return f"{text[:m.start()]}[{m.group(0)}](service){text[m.end():]}"
    return text


def prepare(text: str) -> str:
    """Check and clean a staff-entered example (raises CurationError)."""
    cleaned = clean_example(plain(text or ""))
    cleaned = cleaned.lstrip("/").strip()
    if not cleaned:
        raise CurationError("Bitte geben Sie einen Beispielsatz ein.")
    if len(cleaned) > MAX_EXAMPLE_CHARS:
        raise CurationError(f"Der Beispielsatz ist zu lang (höchstens {MAX_EXAMPLE_CHARS} Zeichen).")
    if has_placeholder(text):
        raise CurationError("Der Satz enthält noch Platzhalter wie [Telefon] oder [Name]. Bitte schreiben Sie den Satz "
                            "ohne persönliche Daten, zum Beispiel „Ich möchte zurückgerufen werden“.")
    if not normalize(cleaned):
        raise CurationError("Der Beispielsatz enthält keine Wörter.")
    return cleaned


def add_example(path: Path, text: str, intent: str, service: Optional[str] = None,
                kb: Optional[KnowledgeBase] = None, data_dir: Optional[Path] = None) -> AddResult:
    """Append one example to the curated file (deduplicated, atomic, locked)."""
    example = annotate(prepare(text), kb, service)
    key = example_key(example)
    with _locked(path):
        intents, others = read_curated(path)
        for other_intent, examples in intents.items():
            if any(example_key(e) == key for e in examples):
                status = "duplicate" if other_intent == intent else "conflict"
                return AddResult(status, example, other_intent, path.name)
        if data_dir is not None:
            hit = training_examples(data_dir, skip=path).get(key)
            if hit:
                status = "duplicate" if hit[0] == intent else "conflict"
                return AddResult(status, example, hit[0], hit[1])
        intents.setdefault(intent, []).append(example)
        content = render(intents, others)
        parsed = yaml.safe_load(content)
        assert isinstance(parsed, dict) and parsed.get("nlu")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
    return AddResult("added", example)
