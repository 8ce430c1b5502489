"""save_kb / read_kb on SQLite and on a real PostgreSQL server; atomic replace; KBProvider."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import create_all, make_engine
from assistant.kb.models import OfficeRow, OfficeTypeRow, ServiceRow, SynonymRow
from assistant.kb.store import KBProvider, content_hash, read_kb, save_kb, stored_hash


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kb.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    eng = make_engine(url)
    create_all(eng)
    yield eng
    eng.dispose()


def _dump(kb) -> dict:
    return {
        "services": {k: v.model_dump(mode="json") for k, v in kb.services.items()},
        "county": kb.county.model_dump(mode="json"),
        "municipalities": {k: v.model_dump(mode="json") for k, v in kb.municipalities.items()},
        "life_events": {k: v.model_dump(mode="json") for k, v in kb.life_events.items()},
    }


def test_empty_database_reads_none(engine):
    assert read_kb(engine) is None
    assert stored_hash(engine) is None


def test_round_trip_is_lossless(engine, kb):
    digest = save_kb(kb, engine)
    assert digest == content_hash(kb)
    assert stored_hash(engine) == digest
    back = read_kb(engine)
    assert back is not None
    assert _dump(back) == _dump(kb)
    assert content_hash(back) == digest
    assert set(back.offices) == set(kb.offices)
    assert back.office_owner == kb.office_owner
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ServiceRow)) == 33
        assert s.scalar(select(func.count()).select_from(OfficeRow)) == len(kb.offices)
        owner = s.get(OfficeRow, "kleinwalde_buergerbuero")
        assert owner is not None and owner.municipality_id == "kleinwalde"
        types = set(s.scalars(select(OfficeTypeRow.office_type).where(OfficeTypeRow.office_id == "buergermobil")))
        assert types == {"buergermobil", "buergerbuero"}
        perso = s.scalar(select(SynonymRow.service_slug).where(SynonymRow.normalized == "perso"))
        assert perso == "personalausweis"


def test_saving_twice_replaces_instead_of_duplicating(engine, kb):
    save_kb(kb, engine)
    save_kb(kb, engine)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ServiceRow)) == 33
        assert s.scalar(select(func.count()).select_from(OfficeRow)) == len(kb.offices)


def test_changed_content_replaces_old_content(engine, kb):
    save_kb(kb, engine)
    changed = copy.deepcopy(kb)
    svc = changed.services.pop("fundsache")
    changed.services["fundsache"] = svc.model_copy(update={"name": "Fundsachen abgeben und abholen"})
    digest = save_kb(changed, engine)
    assert digest != content_hash(kb)
    back = read_kb(engine)
    assert back is not None and back.services["fundsache"].name == "Fundsachen abgeben und abholen"


def test_failing_save_leaves_previous_content(engine, kb):
    digest = save_kb(kb, engine)
    broken = copy.deepcopy(kb)
    broken.services["fundsache"] = broken.services["fundsache"].model_copy(update={"name": "Geändert"})
    broken.office_owner["kleinwalde_buergerbuero"] = "gibt_es_nicht"  # foreign key violation mid-transaction
    with pytest.raises(SQLAlchemyError):
        save_kb(broken, engine)
    assert stored_hash(engine) == digest
    back = read_kb(engine)
    assert back is not None
    assert back.services["fundsache"].name == kb.services["fundsache"].name
    assert len(back.services) == 33


def test_provider_loads_yaml_into_empty_database_and_caches(engine, kb, tmp_path):
    provider = KBProvider(engine, kb.root, ttl=3600)
    first = provider.get()
    assert stored_hash(engine) == content_hash(kb)
    assert len(first.services) == 33
    assert provider.get() is first  # cached within ttl


def test_provider_rereads_after_new_load(engine, kb):
    save_kb(kb, engine)
    provider = KBProvider(engine, kb.root, ttl=0)
    assert provider.get().services["fundsache"].name == kb.services["fundsache"].name
    changed = copy.deepcopy(kb)
    changed.services["fundsache"] = changed.services["fundsache"].model_copy(update={"name": "Fundbüro neu"})
    save_kb(changed, engine)
    assert provider.get().services["fundsache"].name == "Fundbüro neu"
