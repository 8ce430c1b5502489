"""Cross-checks between knowledge-base files: contradictions that each file's schema cannot see.

The loader checks every file on its own and that references exist. This module checks that the
files agree with each other: the office a service points to serves the municipality it is asked
for, phone numbers belong to one office, booking slots exist only for services the office handles
(and that still exist), "nur mit Termin" without booking says how to get one, a stand-in named in
a closure serves the residents it stands in for, the Rufbus is not recommended on days it does not run, an office note does not promise Saturdays the
hours do not have, a note does not promise "online" for a service that is not online, fees that
cite the same legal basis agree, and offices at the same address share coordinates.
Used by ``assistant kb check``: exit code 1 on a structural contradiction; the text rules
(``TEXT_KINDS``) are printed as hints and fail only with ``--strict``. Guarded by tests.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterator

from assistant.kb.loader import KnowledgeBase, normalize
from assistant.kb.schema import Hours, Office, TransportOption

MAX_SAME_ADDRESS_METRES = 200
# Kinds found by reading free text with simple rules: 'kb check' prints them as hints (exit code 1
# only with --strict) so that a false alarm in a clerk's note never blocks training.
TEXT_KINDS = frozenset({"appointment", "rufbus", "saturday", "online"})


@dataclass(frozen=True)
class Contradiction:
    """Two places in the knowledge base that say different things (German message)."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def check(kb: KnowledgeBase) -> list[Contradiction]:
    """Every contradiction found, in a stable order."""
    found: list[Contradiction] = []
    for fn in (_responsible, _phones, _booking, _appointment_only, _stand_ins, _rufbus_days, _saturday_notes,
               _online_notes, _fees, _same_address):
        found.extend(fn(kb))
    return found


# ------------------------------------------------------------------ helpers

def _file_of(kb: KnowledgeBase, office_id: str) -> str:
    owner = kb.office_owner.get(kb.stop_parent.get(office_id, office_id))
    return f"municipalities/{owner}/municipality.yml" if owner else "county.yml"


def _serves(kb: KnowledgeBase, office: Office, municipality_id: str) -> bool:
    return municipality_id in office.serves or kb.office_owner.get(office.id) == municipality_id


def _own_offices(kb: KnowledgeBase) -> Iterator[Office]:
    """Offices as written in the files (a mobile service once, not each of its stops)."""
    for oid, office in kb.offices.items():
        if oid not in kb.stop_parent:
            yield office


def _offices_named_in(kb: KnowledgeBase, text: str) -> list[str]:
    """Office ids whose name or alias occurs in ``text`` (longest names first, no overlaps)."""
    padded = f" {normalize(text)} "
    names: list[tuple[str, str]] = []
    for oid, office in kb.offices.items():
        if oid in kb.stop_parent:
            continue
        for word in (office.name, *office.aliases):
            names.append((normalize(word), oid))
    hits: list[str] = []
    for word, oid in sorted(names, key=lambda kv: -len(kv[0])):
        if word and f" {word} " in padded:
            padded = padded.replace(f" {word} ", " | ")
            hits.append(oid)
    return list(dict.fromkeys(hits))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;:])\s+|\s+[–-]\s+", text or "") if s.strip()]


def _transport(kb: KnowledgeBase) -> Iterator[tuple[str, TransportOption]]:
    for office in _own_offices(kb):
        where = f"{_file_of(kb, office.id)} ({office.id})"
        for t in office.transport:
            yield where, t
        for stop in office.stops:
            for t in stop.transport:
                yield f"{where} ({stop.id})", t


def _has_weekday(hours: Hours, day: str) -> bool:
    return bool(hours.weekly.get(day)) or any(r.weekday == day for r in hours.monthly) or \
        any(s.date.isoweekday() == 6 for s in hours.special if day == "sa")


NEGATION = re.compile(r"\b(nicht|kein|keine|keinen|ohne)\b", re.IGNORECASE)


# ------------------------------------------------------------------ checks

def _responsible(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """Every service has an office for every municipality, and that office serves it."""
    from assistant.kb.views import responsible_office

    for slug, svc in sorted(kb.services.items()):
        if svc.abolished_since:
            continue
        for mid in sorted(kb.municipalities):
            office = responsible_office(kb, slug, mid)
            if office is None:
                yield Contradiction("responsible", f"catalogue/{slug}.yml",
                                    f"Für '{slug}' ist in {kb.municipalities[mid].name} kein Amt zuständig")
            elif not _serves(kb, office, mid):
                yield Contradiction("responsible", _file_of(kb, office.id),
                                    f"'{slug}' in {kb.municipalities[mid].name} führt zu '{office.id}', "
                                    f"das laut 'serves' nicht für {kb.municipalities[mid].name} zuständig ist")


def _phones(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """One phone number, one office; a bus line keeps its number everywhere and never shares an office's."""
    digits = lambda p: re.sub(r"\D", "", p or "")  # noqa: E731
    by_phone: dict[str, list[str]] = {}
    for office in _own_offices(kb):
        by_phone.setdefault(digits(office.phone), []).append(office.id)
    for phone, ids in sorted(by_phone.items()):
        if len(ids) > 1:
            yield Contradiction("phone", _file_of(kb, ids[1]),
                                f"Telefonnummer {phone} gehört mehreren Ämtern: {', '.join(ids)}")
    line_phone: dict[str, str] = {}
    for where, t in _transport(kb):
        if not t.phone:
            continue
        p = digits(t.phone)
        if p in by_phone:
            yield Contradiction("phone", where, f"'{t.line}' hat die Nummer des Amts {by_phone[p][0]} ({t.phone})")
        key = normalize(t.line or t.kind)
        if key in line_phone and line_phone[key] != p:
            yield Contradiction("phone", where, f"'{t.line}' hat hier die Nummer {t.phone}, anderswo {line_phone[key]}")
        line_phone.setdefault(key, p)


def _booking(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """Booking slots only for services that exist and that this office handles for someone it serves."""
    from assistant.kb.views import responsible_office

    for office in _own_offices(kb):
        if office.booking is None:
            continue
        slugs = list(office.booking.slot_minutes) + [k for k in office.booking.link_out if k != "default"]
        for slug in slugs:
            svc = kb.services.get(slug)
            if svc is None:
                continue  # the loader reports unknown services
            where = f"{_file_of(kb, office.id)} ({office.id}.booking)"
            if svc.abolished_since:
                yield Contradiction("booking", where, f"Termin für '{slug}', den es seit "
                                    f"{svc.abolished_since:%d.%m.%Y} nicht mehr gibt")
                continue
            serves = [m for m in kb.municipalities if _serves(kb, office, m)]
            handles = any(
                (r := responsible_office(kb, slug, m)) is not None
                and (r.id == office.id or kb.stop_parent.get(r.id) == office.id)
                for m in serves)
            if not handles:
                yield Contradiction("booking", where, f"Termin für '{slug}', aber '{office.id}' ist für "
                                    f"'{slug}' in keiner Gemeinde zuständig")


def _appointment_only(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """"Nur mit Termin" without booking here must say how to get the appointment (phone, hotline)."""
    for office in _own_offices(kb):
        note = office.hours.note or ""
        if not re.search(r"nur mit termin", note, re.IGNORECASE):
            continue
        if office.booking is not None and office.booking.enabled:
            continue
        if not re.search(r"telefon|anruf|hotline|termin[^.]*online|online[^.]*termin", note, re.IGNORECASE):
            yield Contradiction("appointment", f"{_file_of(kb, office.id)} ({office.id})",
                                "Der Hinweis sagt 'nur mit Termin', aber hier gibt es keine Terminbuchung "
                                "und der Hinweis sagt nicht, wie man den Termin bekommt")


def _stand_ins(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """A closure that names a stand-in ("Vertretung ...") names an office serving the same residents."""
    for office in _own_offices(kb):
        for c in office.hours.closures:
            if "vertret" not in (c.reason or "").lower():
                continue
            where = f"{_file_of(kb, office.id)} ({office.id}, Schließtag {c.date:%d.%m.%Y})"
            named = [o for o in _offices_named_in(kb, c.reason) if o != office.id]
            if not named:
                yield Contradiction("stand_in", where, f"Vertretung '{c.reason}' nennt kein bekanntes Amt")
                continue
            stand_in = kb.offices[named[0]]
            for mid in sorted(office.serves):
                # a temporary stand-in for residents it does not normally serve must say so in the reason
                said = normalize(kb.municipalities[mid].name) in normalize(c.reason).split()
                if not _serves(kb, stand_in, mid) and not said:
                    yield Contradiction("stand_in", where, f"Vertretung '{stand_in.id}' ist laut 'serves' nicht für "
                                        f"{kb.municipalities[mid].name} zuständig, und der Grund sagt nicht, dass sie "
                                        f"in dieser Zeit auch {kb.municipalities[mid].name} bedient")


def _rufbus_days(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """Nothing sends people to the Rufbus on Sundays / at the weekend if it does not run on Sundays."""
    rufbus_notes = [t.note or "" for _, t in _transport(kb) if t.kind == "rufbus"]
    if any(re.search(r"\bSo\b|Sonntag|sonntags|täglich", n) for n in rufbus_notes):
        return
    texts: list[tuple[str, str]] = [(w, t.note or "") for w, t in _transport(kb)]
    texts += [(f"{_file_of(kb, o.id)} ({o.id})", o.hours.note or "") for o in _own_offices(kb)]
    for mid, mun in kb.municipalities.items():
        texts += [(f"municipalities/{mid}/municipality.yml ({a.id})", a.answer) for a in mun.local_answers]
    for where, text in texts:
        if "rufbus" in text.lower() and re.search(r"wochenende|sonntag", text, re.IGNORECASE) \
                and not re.search(r"kein\w* rufbus|rufbus[^.]*\bnicht\b", text, re.IGNORECASE):
            yield Contradiction("rufbus", where, f"'{text.strip()}' – der Rufbus fährt nicht sonntags")


SATURDAY = re.compile(r"samstag|samstags|wochenende", re.IGNORECASE)
CLOSED_SAT = re.compile(r"(wochenende|samstag\w*)[^.]*geschlossen|geschlossen[^.]*(wochenende|samstag)", re.IGNORECASE)


def _saturday_notes(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """An office note that mentions Saturdays either has Saturday hours or says it is closed then."""
    for office in _own_offices(kb):
        note = office.hours.note or ""
        if not SATURDAY.search(note) or _has_weekday(office.hours, "sa") or CLOSED_SAT.search(note):
            continue
        if office.stops:
            continue  # the stops have their own schedules
        yield Contradiction("saturday", f"{_file_of(kb, office.id)} ({office.id})",
                            "Der Hinweis nennt Samstage, die Öffnungszeiten haben aber keinen Samstag "
                            "(bitte 'am Wochenende geschlossen' dazuschreiben oder Samstagszeiten eintragen)")


def _online_notes(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """A county or municipal note does not promise "online" for a service that is not online."""
    sources = [("county.yml", kb.county.services)]
    sources += [(f"municipalities/{mid}/municipality.yml", m.services) for mid, m in kb.municipalities.items()]
    for where, overrides in sources:
        for slug, ov in overrides.items():
            svc = kb.services.get(slug)
            if svc is None or not ov.note:
                continue
            online = ov.online or svc.online
            if online.available or ov.online_url:
                continue
            for sentence in _sentences(ov.note):
                if "online" in sentence.lower() and not NEGATION.search(sentence):
                    yield Contradiction("online", f"{where} (services.{slug}.note)",
                                        f"'{sentence.strip()}' – laut Katalog geht '{slug}' nicht online")


def _fees(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """Fees that cite the same legal basis agree across services, and overrides keep national fees."""
    by_basis: dict[str, dict[str, set[float]]] = {}
    for slug, svc in kb.services.items():
        for fee in svc.fees:
            if fee.legal_basis and fee.amount is not None:
                by_basis.setdefault(normalize(fee.legal_basis), {}).setdefault(slug, set()).add(float(fee.amount))
    for basis, per_service in sorted(by_basis.items()):
        slugs = sorted(per_service)
        for i, a in enumerate(slugs):
            for b in slugs[i + 1:]:
                if not per_service[a] & per_service[b]:
                    yield Contradiction("fee", f"catalogue/{b}.yml",
                                        f"Gebühr nach '{basis}': {b} nennt {sorted(per_service[b])}, "
                                        f"{a} nennt {sorted(per_service[a])}")
    sources = [("county.yml", kb.county.services)]
    sources += [(f"municipalities/{mid}/municipality.yml", m.services) for mid, m in kb.municipalities.items()]
    for where, overrides in sources:
        for slug, ov in overrides.items():
            svc = kb.services.get(slug)
            if svc is None or ov.fees is None:
                continue
            national = {normalize(f.legal_basis): f.amount for f in svc.fees if f.legal_basis}
            for fee in ov.fees:
                key = normalize(fee.legal_basis or "")
                if key in national and national[key] != fee.amount:
                    yield Contradiction("fee", f"{where} (services.{slug}.fees)",
                                        f"'{fee.label}': {fee.amount} statt {national[key]} wie im Katalog ({fee.legal_basis})")


def _same_address(kb: KnowledgeBase) -> Iterator[Contradiction]:
    """Offices and stops at the same address have (nearly) the same coordinates."""
    seen: dict[tuple[str, str, str], tuple[str, float, float]] = {}
    for oid, office in sorted(kb.offices.items()):
        if office.geo is None or office.stops:
            continue
        a = office.address
        key = (normalize(a.street), a.postcode, normalize(a.city))
        if key not in seen:
            seen[key] = (oid, office.geo.lat, office.geo.lon)
            continue
        other, lat, lon = seen[key]
        metres = _distance(lat, lon, office.geo.lat, office.geo.lon)
        if metres > MAX_SAME_ADDRESS_METRES:
            yield Contradiction("address", _file_of(kb, oid),
                                f"'{oid}' und '{other}' haben dieselbe Adresse ({a.street}, {a.city}), "
                                f"aber Koordinaten {metres:.0f} m auseinander")


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))

