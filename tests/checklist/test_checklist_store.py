"""Saved checklists: unguessable token, only service/municipality/answers, purge after retention."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import sessionmaker

from assistant.checklist import store
from assistant.db import create_all, make_engine


@pytest.fixture()
def sm(sqlite_url):
    engine = make_engine(sqlite_url)
    create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_save_and_get_round_trip(sm):
    with sm() as s:
        token = store.save(s, "personalausweis", "kleinwalde", {"under_16": False, "has_previous_id": True})
    assert len(token) >= 16 and "/" not in token
    with sm() as s:
        row = store.get(s, token)
        assert row is not None
        assert (row.service_slug, row.municipality_id) == ("personalausweis", "kleinwalde")
        assert row.answers == {"under_16": False, "has_previous_id": True}


def test_tokens_are_unique(sm):
    with sm() as s:
        tokens = {store.save(s, "reisepass", None, {}) for _ in range(50)}
    assert len(tokens) == 50


@pytest.mark.parametrize("token", ["", "x" * 33, "does-not-exist"])
def test_get_unknown_or_bad_token(sm, token):
    with sm() as s:
        assert store.get(s, token) is None


def test_purge_removes_only_old_lists(sm):
    with sm() as s:
        old = store.save(s, "reisepass", None, {})
        new = store.save(s, "reisepass", None, {})
        store.get(s, old).created_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=store.RETENTION_DAYS + 1)
        s.commit()
    with sm() as s:
        assert store.purge(s) == 1
    with sm() as s:
        assert store.get(s, old) is None
        assert store.get(s, new) is not None
