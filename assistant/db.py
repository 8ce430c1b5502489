"""SQLAlchemy 2.0 declarative base and engine/session factories (SQLite default, PostgreSQL by URL)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    """Declarative base for every table of the application."""


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for concurrent writers."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    # naive UTC values are written into timestamptz columns: the session must be UTC as well
    return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c timezone=UTC"})


def create_all(engine: Engine) -> None:
    """Create every table (idempotent). Imports the model modules so they register."""
    import importlib

    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):  # an optional feature not installed
                raise
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    # the web server and the action server start together on one fresh database: both see a table
    # missing and both create it. The loser gets "already exists" (or SQLite's "database is locked"
    # when both upgrade to a write lock at once); checking again then finds the tables.
    for attempt in range(5):
        try:
            Base.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            text = str(exc).lower()
            if attempt == 4 or not ("already exists" in text or "duplicate" in text or "pg_type" in text
                                    or "database is locked" in text):
                raise
            time.sleep(0.2 * (attempt + 1))  # the other process is still writing its tables


MODEL_MODULES = (
    "assistant.kb.models",
    "assistant.checklist.store",
    "assistant.booking.models",
    "assistant.feedback",
    "assistant.curation.models",
    "assistant.privacy",
)
_engines: dict[str, Engine] = {}


def get_engine(url: Optional[str] = None) -> Engine:
    """Process-wide engine for ``url`` (default from settings), tables created on first use."""
    from assistant.config import get_settings

    url = url or get_settings().effective_database_url
    if url not in _engines:
        engine = make_engine(url)
        create_all(engine)
        _engines[url] = engine
    return _engines[url]


def get_sessionmaker(url: Optional[str] = None) -> sessionmaker:
    return sessionmaker(get_engine(url), expire_on_commit=False)
