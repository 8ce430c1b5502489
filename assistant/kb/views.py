"""Merged, effective views of the knowledge base: national service + county + municipality.

Municipalities override only what differs; this module applies those overrides.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Optional

from assistant.kb.loader import KnowledgeBase, normalize
from assistant.kb.schema import Document, Fee, Municipality, Office, Online, Service, ServiceOverride


@dataclass
class EffectiveService:
    """A service as it applies in one municipality."""

    service: Service
    municipality: Optional[Municipality]
    office: Optional[Office]
    documents: list[Document]
    fees: list[Fee]
    online: Online
    notes: list[str] = field(default_factory=list)
    booking_link: Optional[str] = None
    local_fees: bool = False

    @property
    def slug(self) -> str:
        return self.service.slug


def _overrides(kb: KnowledgeBase, slug: str, municipality_id: Optional[str]) -> list[ServiceOverride]:
    out = []
    if slug in kb.county.services:
        out.append(kb.county.services[slug])
    mun = kb.municipalities.get(municipality_id or "")
    if mun and slug in mun.services:
        out.append(mun.services[slug])
    return out


def responsible_office(kb: KnowledgeBase, slug: str, municipality_id: Optional[str],
                       place: Optional[str] = None) -> Optional[Office]:
    """The office that handles ``slug`` for residents of ``municipality_id``; for a mobile service
    (Bürgermobil) the stop that serves the resident's municipality or Ortsteil ``place``."""
    return kb.stop_for(_responsible(kb, slug, municipality_id), municipality_id, place)


def _responsible(kb: KnowledgeBase, slug: str, municipality_id: Optional[str]) -> Optional[Office]:
    svc = kb.services.get(slug)
    if svc is None:
        return None
    for ov in reversed(_overrides(kb, slug, municipality_id)):
        if ov.office:
            return kb.offices.get(ov.office)
    otype = svc.office_type
    mun = kb.municipalities.get(municipality_id or "")
    if mun and otype in mun.responsible:
        return kb.offices.get(mun.responsible[otype])
    if mun:
        for office in mun.offices:
            if otype in office.types:
                return office
        for office in kb.offices.values():
            if mun.id in office.serves and otype in office.types:
                return office
    if otype in kb.county.responsible:
        return kb.offices.get(kb.county.responsible[otype])
    for office in kb.county.offices:
        if otype in office.types:
            return office
    return None


def effective_service(kb: KnowledgeBase, slug: str, municipality_id: Optional[str],
                      place: Optional[str] = None) -> EffectiveService:
    """National facts with county and municipal overrides applied."""
    svc = kb.services[slug]
    docs = list(svc.documents)
    fees = list(svc.fees)
    online = svc.online
    notes: list[str] = []
    booking_link = None
    local_fees = False
    for ov in _overrides(kb, slug, municipality_id):
        if ov.fees is not None:
            fees = list(ov.fees)
            local_fees = True
        if ov.remove_documents:
            docs = [d for d in docs if d.id not in ov.remove_documents]
        docs += ov.add_documents
        if ov.online is not None:
            online = ov.online
        if ov.online_url:
            online = online.model_copy(update={"url": ov.online_url})
        if ov.note:
            notes.append(ov.note)
        if ov.booking_link:
            booking_link = ov.booking_link
    docs.sort(key=lambda d: -d.priority)
    return EffectiveService(
        service=svc,
        municipality=kb.municipalities.get(municipality_id or ""),
        office=responsible_office(kb, slug, municipality_id, place),
        documents=docs,
        fees=fees,
        online=online,
        notes=notes,
        booking_link=booking_link,
        local_fees=local_fees,
    )


# ------------------------------------------------------------------ name resolution

def service_vocabulary(kb: KnowledgeBase) -> dict[str, str]:
    """Normalised word -> slug, from names and synonyms."""
    vocab: dict[str, str] = {}
    for slug, svc in kb.services.items():
        for word in (*svc.words, slug.replace("_", " ")):
            vocab.setdefault(normalize(word), slug)
    return vocab


def place_vocabulary(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    """Normalised place word -> (canonical name, municipality id or office id marker)."""
    vocab: dict[str, tuple[str, str]] = {}
    for mid, mun in kb.municipalities.items():
        for word in (mun.name, mid, *mun.aliases, *mun.ortsteile):
            vocab.setdefault(normalize(word), (mun.name, mid))
    return vocab


def office_vocabulary(kb: KnowledgeBase) -> dict[str, str]:
    """Normalised office name/alias -> office id."""
    vocab: dict[str, str] = {}
    for oid, office in kb.offices.items():
        for word in (office.name, *office.aliases):
            vocab.setdefault(normalize(word), oid)
    return vocab


def gazetteer(kb: KnowledgeBase):
    """The same matcher the NLU pipeline uses (nlu_components.matching), built once per KB."""
    cached = kb.__dict__.get("_gazetteer")
    if cached is None:
        from assistant.kb.nlu import gazetteer_vocabulary
        from nlu_components.matching import Gazetteer

        cached = Gazetteer(gazetteer_vocabulary(kb))
        kb.__dict__["_gazetteer"] = cached
    return cached


def resolve_service(kb: KnowledgeBase, text: Optional[str]) -> Optional[str]:
    """Map an entity value or free text to a service slug (slug, exact word, then the gazetteer:
    phrases, compounds, word order, typos)."""
    if not text:
        return None
    if text in kb.services:
        return text
    norm = normalize(text)
    vocab = service_vocabulary(kb)
    if norm in vocab:
        return vocab[norm]
    found = [e["value"] for e in gazetteer(kb).find(text) if e["entity"] == "service"]
    return found[0] if found else None


def resolve_municipality(kb: KnowledgeBase, text: Optional[str]) -> Optional[str]:
    """Map a place entity/free text to a municipality id (also via Ortsteil)."""
    if not text:
        return None
    if text in kb.municipalities:
        return text
    places = place_vocabulary(kb)
    norm = normalize(text)
    if norm in places:
        return places[norm][1]
    for e in gazetteer(kb).find(text):
        if e["entity"] == "place" and normalize(e["value"]) in places:
            return places[normalize(e["value"])][1]
    close = difflib.get_close_matches(norm, list(places), n=1, cutoff=0.8)
    return places[close[0]][1] if close else None


def resolve_office(kb: KnowledgeBase, text: Optional[str]) -> Optional[str]:
    """Map an office name or alias ("Landratsamt", "Bürgermobil") to an office id."""
    if not text:
        return None
    norm = normalize(text)
    vocab = office_vocabulary(kb)
    if norm in vocab:
        return vocab[norm]
    padded = f" {norm} "
    for word, oid in sorted(vocab.items(), key=lambda kv: -len(kv[0])):
        if f" {word} " in padded:
            return oid
    return None
