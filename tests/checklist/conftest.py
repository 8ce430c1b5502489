"""Fixtures for the checklist tests."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kb():
    """The real knowledge base, loaded once for this folder (parsing kb/ takes seconds). Read only."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")
