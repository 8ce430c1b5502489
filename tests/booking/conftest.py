"""Fixtures for the booking tests: the real knowledge base, SQLite and real PostgreSQL databases."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from assistant.db import create_all, make_engine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kb():
    """The real knowledge base, loaded once for this folder (parsing kb/ takes seconds). Read only."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")


@pytest.fixture()
def postgres_url() -> str:
    """URL of a new, empty database on a real PostgreSQL server started for this test session."""
    import pgserver

    if pgserver.find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries not installed (no /usr/lib/postgresql/*/bin/initdb)")
    return pgserver.get_server().create_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """The same test on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'booking.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture()
def engine(db_url):
    eng = make_engine(db_url)
    create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture()
def sm(engine):
    return sessionmaker(engine, expire_on_commit=False)
