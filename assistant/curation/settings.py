"""Settings of the staff area, read from the environment on every call (cheap, test friendly).

Environment variables (all optional):
  ASSISTANT_CURATED_NLU          training examples written by staff (default data/nlu/curated.yml)
  ASSISTANT_NLU_DATA_DIR         Rasa training data checked for duplicates (default data/)
  ASSISTANT_DOMAIN_FILE          domain file or folder with the intents (default domain.yml)
  ASSISTANT_MODELS_DIR           where models and current.tar.gz live (default models/)
  ASSISTANT_TRAIN_COMMAND        default "bash scripts/train.sh" (run with FORCE_TRAIN=0)
  ASSISTANT_VALIDATE_COMMAND     default ".venv/rasa/bin/rasa data validate --domain build/domain"
  ASSISTANT_STORY_TEST_COMMAND   default ".venv/rasa/bin/rasa test core --model {model} --stories {stories}
                                 --fail-on-prediction-errors --out {out}"
  ASSISTANT_TEST_STORIES         glob(s) of the test stories, separated by spaces (default tests/test_stories*.yml
                                 kb/municipalities/*/tests.yml: national and every municipality's own)
  ASSISTANT_INBOX_DAYS           how far back the inbox and overview look (default 30)
  ASSISTANT_STAFF_SESSION_HOURS  lifetime of a staff login (default 8)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from assistant.config import ROOT

DEFAULT_TRAIN = "bash scripts/train.sh"
DEFAULT_VALIDATE = ".venv/rasa/bin/rasa data validate --domain build/domain"
DEFAULT_STORY_TEST = (".venv/rasa/bin/rasa test core --model {model} --stories {stories} "
                      "--fail-on-prediction-errors --out {out}")


def _path(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    p = Path(raw)
    return p if p.is_absolute() else ROOT / p


def _num(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"Environment variable {name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class CurationSettings:
    curated_nlu: Path
    nlu_data_dir: Path
    domain_file: Path
    models_dir: Path
    train_command: str
    validate_command: str
    story_test_command: str
    test_stories: str
    inbox_days: int
    session_hours: float


def curation_settings() -> CurationSettings:
    return CurationSettings(
        curated_nlu=_path("ASSISTANT_CURATED_NLU", ROOT / "data" / "nlu" / "curated.yml"),
        nlu_data_dir=_path("ASSISTANT_NLU_DATA_DIR", ROOT / "data"),
        domain_file=_path("ASSISTANT_DOMAIN_FILE", ROOT / "domain.yml"),
        models_dir=_path("ASSISTANT_MODELS_DIR", ROOT / "models"),
        train_command=os.environ.get("ASSISTANT_TRAIN_COMMAND", "").strip() or DEFAULT_TRAIN,
        validate_command=os.environ.get("ASSISTANT_VALIDATE_COMMAND", "").strip() or DEFAULT_VALIDATE,
        story_test_command=os.environ.get("ASSISTANT_STORY_TEST_COMMAND", "").strip() or DEFAULT_STORY_TEST,
        test_stories=os.environ.get("ASSISTANT_TEST_STORIES", "").strip() or "tests/test_stories*.yml kb/municipalities/*/tests.yml",
        inbox_days=max(1, int(_num("ASSISTANT_INBOX_DAYS", 30))),
        session_hours=max(0.1, _num("ASSISTANT_STAFF_SESSION_HOURS", 8)),
    )
