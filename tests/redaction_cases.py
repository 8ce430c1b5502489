"""Loading and scoring tests/data/redaction_cases.yml (shared by the test and scripts/bench_redaction.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.redaction import redact

CASES = Path(__file__).resolve().parent / "data" / "redaction_cases.yml"


@dataclass
class Result:
    outcomes: list[tuple[str, bool]] = field(default_factory=list)  # (kind, hidden?)
    missed: list[tuple[str, str]] = field(default_factory=list)  # (text, value)
    changed_keep: list[str] = field(default_factory=list)


def load_cases(path: Path = CASES) -> tuple[list[dict[str, Any]], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["cases"]), list(data["keep"])


def evaluate(cases: list[dict[str, Any]], keep: list[str]) -> Result:
    result = Result()
    for case in cases:
        out = redact(case["text"])
        for item in case["pii"]:
            hidden = item["value"] not in out and f"[{item['kind']}]" in out
            result.outcomes.append((item["kind"], hidden))
            if not hidden:
                result.missed.append((case["text"], item["value"]))
    result.changed_keep = [text for text in keep if redact(text) != text]
    return result
