"""Fixtures for the knowledge-base tests: a writable copy of kb/ and a real PostgreSQL database."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _pgserver():
    """tests/booking/pgserver.py, loaded once by path (also imported by tests/booking/conftest.py)."""
    if "pgserver" in sys.modules:
        return sys.modules["pgserver"]
    path = ROOT / "tests" / "booking" / "pgserver.py"
    spec = importlib.util.spec_from_file_location("pgserver", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["pgserver"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def kb_copy(tmp_path: Path) -> Path:
    """A fresh copy of the real kb/ folder that a test may break."""
    dst = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", dst)
    return dst


@pytest.fixture()
def postgres_url() -> str:
    """URL of a new, empty database on a real PostgreSQL server started for this test session."""
    pg = _pgserver()
    if pg.find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries not installed (no /usr/lib/postgresql/*/bin/initdb)")
    return pg.get_server().create_database()


@pytest.fixture(scope="session")
def kb():
    """The real knowledge base, loaded once for this folder (parsing kb/ takes seconds). Read only."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")
