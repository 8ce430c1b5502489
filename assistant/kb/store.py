"""Write a validated knowledge base into the database in one transaction, and read it back."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from pathlib import Path
from typing import Optional

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from assistant.kb.loader import KnowledgeBase, load_kb, normalize
from assistant.kb.models import (
    CountyRow,
    KBMetaRow,
    LifeEventRow,
    LifeEventTagRow,
    MunicipalityRow,
    OfficeRow,
    OfficeTypeRow,
    ServiceRow,
    SynonymRow,
)
from assistant.kb.schema import County, LifeEventInfo, Municipality, Service

_TABLES = (OfficeTypeRow, OfficeRow, SynonymRow, LifeEventTagRow, ServiceRow, MunicipalityRow, CountyRow, LifeEventRow)


def content_hash(kb: KnowledgeBase) -> str:
    payload = {
        "services": {k: v.model_dump(mode="json") for k, v in sorted(kb.services.items())},
        "county": kb.county.model_dump(mode="json"),
        "municipalities": {k: v.model_dump(mode="json") for k, v in sorted(kb.municipalities.items())},
        "life_events": {k: v.model_dump(mode="json") for k, v in sorted(kb.life_events.items())},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def save_kb(kb: KnowledgeBase, engine: Engine) -> str:
    """Replace the knowledge base in the database atomically; returns the content hash."""
    digest = content_hash(kb)
    with Session(engine) as session, session.begin():
        for table in _TABLES:
            session.execute(delete(table))
        session.add(CountyRow(id=kb.county.id, name=kb.county.name, state=kb.county.state,
                              document=kb.county.model_dump(mode="json")))
        for slug, svc in kb.services.items():
            session.add(ServiceRow(slug=slug, name=svc.name, office_type=svc.office_type,
                                   online_available=svc.online.available, document=svc.model_dump(mode="json")))
        session.flush()
        seen: set[str] = set()
        for slug, svc in kb.services.items():
            for word in svc.words:
                norm = normalize(word)
                if norm not in seen:
                    seen.add(norm)
                    session.add(SynonymRow(service_slug=slug, text=word, normalized=norm))
            for ev in svc.life_events:
                session.add(LifeEventTagRow(service_slug=slug, event=ev))
        for mid, mun in kb.municipalities.items():
            session.add(MunicipalityRow(id=mid, name=mun.name, document=mun.model_dump(mode="json")))
        session.flush()
        for oid, office in kb.offices.items():
            session.add(OfficeRow(id=oid, name=office.name, municipality_id=kb.office_owner[oid]))
        session.flush()
        for oid, office in kb.offices.items():
            for otype in dict.fromkeys(office.types):
                session.add(OfficeTypeRow(office_id=oid, office_type=otype))
        for key, ev in kb.life_events.items():
            session.add(LifeEventRow(key=key, document=ev.model_dump(mode="json")))
        now = dt.datetime.now(dt.timezone.utc)
        session.merge(KBMetaRow(key="content_hash", value=digest, updated_at=now))
        session.merge(KBMetaRow(key="source", value=str(kb.root)[:500], updated_at=now))
    return digest


def read_kb(engine: Engine) -> Optional[KnowledgeBase]:
    """Rebuild the knowledge base from the database, or None if nothing was loaded yet."""
    with Session(engine) as session:
        county_row = session.scalars(select(CountyRow)).first()
        if county_row is None:
            return None
        services = {r.slug: Service.model_validate(r.document) for r in session.scalars(select(ServiceRow))}
        muns = {r.id: Municipality.model_validate(r.document) for r in session.scalars(select(MunicipalityRow))}
        events = {r.key: LifeEventInfo.model_validate(r.document) for r in session.scalars(select(LifeEventRow))}
        return KnowledgeBase(root=Path("<database>"), services=services,
                             county=County.model_validate(county_row.document),
                             municipalities=muns, life_events=events)


def stored_hash(engine: Engine) -> Optional[str]:
    with Session(engine) as session:
        row = session.get(KBMetaRow, "content_hash")
        return row.value if row else None


class KBProvider:
    """Process-wide cached access to the knowledge base in the database.

    Re-reads when the stored content hash changes (after ``assistant kb load`` or a staff edit, which
    loads the knowledge base into the database), checked at most every ``ttl`` seconds
    (``ASSISTANT_KB_REFRESH_SECONDS``, default 1: a staff edit is answered at once). If the database is empty, loads the YAML folder into it first.
    """

    def __init__(self, engine: Engine, kb_dir: Path, ttl: float = 30.0):
        self.engine = engine
        self.kb_dir = kb_dir
        self.ttl = ttl
        self._kb: Optional[KnowledgeBase] = None
        self._hash: Optional[str] = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> KnowledgeBase:
        import time

        with self._lock:
            now = time.monotonic()
            if self._kb is not None and now - self._checked < self.ttl:
                return self._kb
            self._checked = now
            digest = stored_hash(self.engine)
            if digest is None:
                digest = save_kb(load_kb(self.kb_dir), self.engine)
            if digest != self._hash or self._kb is None:
                kb = read_kb(self.engine)
                assert kb is not None
                self._kb, self._hash = kb, digest
            return self._kb
