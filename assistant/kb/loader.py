"""Read and validate the knowledge-base YAML files.

Errors name file, line and field in words a municipal clerk understands. Nothing is written
anywhere here: :func:`load_kb` either returns a complete :class:`KnowledgeBase` or raises
:class:`KBValidationError` listing every problem found.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import yaml
from pydantic import BaseModel, ValidationError

from assistant.kb import conditions
from assistant.kb.schema import (
    SERVICE_SLUGS,
    County,
    LifeEventInfo,
    Municipality,
    Office,
    Service,
    ServiceOverride,
)

MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Problem:
    """One validation problem, printable for a clerk."""

    file: str
    line: Optional[int]
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        fld = f" [{self.field}]" if self.field else ""
        return f"{where}{fld}: {self.message}"


class KBValidationError(Exception):
    """The knowledge base has problems; ``problems`` lists all of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class KnowledgeBase:
    """Validated content of a kb/ folder."""

    root: Path
    services: dict[str, Service]
    county: County
    municipalities: dict[str, Municipality]
    life_events: dict[str, LifeEventInfo]
    offices: dict[str, Office] = field(default_factory=dict)
    office_owner: dict[str, Optional[str]] = field(default_factory=dict)
    stops_of: dict[str, list[str]] = field(default_factory=dict)  # mobile service id -> its stop ids
    stop_parent: dict[str, str] = field(default_factory=dict)  # stop id -> mobile service id

    def __post_init__(self) -> None:
        from assistant.kb.stops import expand

        for office in self.county.offices:
            self.offices[office.id] = office
            self.office_owner[office.id] = None
        for mun in self.municipalities.values():
            for office in mun.offices:
                self.offices[office.id] = office
                self.office_owner[office.id] = mun.id
        self.stops_of, self.stop_parent = expand(self.offices, self.office_owner)

    def stop_for(self, office: Optional[Office], municipality_id: Optional[str],
                 place: Optional[str] = None) -> Optional[Office]:
        """For a mobile/visiting service: the stop serving the resident's place; else ``office``."""
        if office is None or office.id not in self.stops_of:
            return office
        from assistant.kb.stops import pick_stop

        stop = pick_stop(office.stops, municipality_id, place)
        return self.offices[stop.id] if stop else office


def normalize(text: str) -> str:
    """Lower case, umlauts folded (ä→ae, ß→ss), punctuation to spaces: for matching words."""
    text = unicodedata.normalize("NFC", text).lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


# ------------------------------------------------------------------ YAML with line numbers

class _File:
    def __init__(self, path: Path, root: Path):
        self.path = path
        try:
            self.name = str(path.relative_to(root))
        except ValueError:
            self.name = str(path)
        self.node: Optional[yaml.Node] = None
        self.data: Any = None

    def read(self, problems: list[Problem]) -> bool:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            problems.append(Problem(self.name, None, "", f"Datei kann nicht gelesen werden: {exc.strerror}"))
            return False
        if len(raw) > MAX_FILE_BYTES:
            problems.append(Problem(self.name, None, "", f"Datei ist zu groß ({len(raw)} Bytes)"))
            return False
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.append(Problem(self.name, line, "", "Datei ist nicht UTF-8-kodiert. Bitte als UTF-8 speichern."))
            return False
        if "\x00" in text:
            problems.append(Problem(self.name, None, "", "Datei enthält Binärdaten, keine YAML-Datei"))
            return False
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            self.node = yaml.compose(text, Loader=loader)
            self.data = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            context = getattr(exc, "context", None) or ""
            # "while scanning a simple key" (missing ':'), an unclosed quote or bracket: the
            # mistake is where the construct started, not where the parser gave up
            if getattr(exc, "context_mark", None) is not None and (
                    "simple key" in context or "quoted scalar" in context or "flow" in context):
                mark = exc.context_mark
            line = mark.line + 1 if mark is not None else None
            from assistant.kb.messages_de import yaml_problem_de

            raw_problem = getattr(exc, "problem", None) or str(exc)
            pm = getattr(exc, "problem_mark", None)
            lines = text.splitlines()
            if pm is not None and "cannot start any token" in raw_problem and pm.line < len(lines) \
                    and lines[pm.line][pm.column:pm.column + 1] == "\t":
                raw_problem = "found a tab character"  # libyaml does not name the character
            problem = yaml_problem_de(raw_problem)
            problems.append(Problem(self.name, line, "", f"YAML-Syntaxfehler: {problem}. Oft fehlt ein Leerzeichen nach ':' oder die Einrückung stimmt nicht."))
            return False
        if self.data is None:
            problems.append(Problem(self.name, None, "", "Datei ist leer"))
            return False
        return True

    def line_of(self, loc: Iterable[Any]) -> Optional[int]:
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for k, v in node.value:
                    if k.value == str(key):
                        nxt = v
                        line = k.start_mark.line + 1
                        break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
            if node is None:
                break
        return line

    def validate(self, model: type[BaseModel], data: Any, problems: list[Problem], prefix: tuple = ()) -> Optional[BaseModel]:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = prefix + tuple(err["loc"])
                field_path = ".".join(str(x) for x in loc)
                problems.append(Problem(self.name, self.line_of(loc), field_path, _german(err)))
            return None


def _german(err: dict) -> str:
    from assistant.kb.messages_de import pydantic_error_de

    return pydantic_error_de(err)


# ------------------------------------------------------------------ loading

def load_kb(root: Path) -> KnowledgeBase:
    """Validate and load a kb/ folder; raises KBValidationError listing all problems."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise KBValidationError([Problem(str(root), None, "", "Ordner der Wissensbasis nicht gefunden")])

    services: dict[str, Service] = {}
    files: dict[str, _File] = {}
    cat_dir = root / "catalogue"
    for path in sorted(cat_dir.glob("*.yml")) if cat_dir.is_dir() else []:
        f = _File(path, root)
        if not f.read(problems):
            continue
        svc = f.validate(Service, f.data, problems)
        if svc is None:
            continue
        assert isinstance(svc, Service)
        if svc.slug != path.stem:
            problems.append(Problem(f.name, f.line_of(["slug"]), "slug", f"slug '{svc.slug}' passt nicht zum Dateinamen '{path.stem}.yml'"))
        if svc.slug in services:
            problems.append(Problem(f.name, f.line_of(["slug"]), "slug", f"Leistung '{svc.slug}' ist doppelt"))
        services[svc.slug] = svc
        files[svc.slug] = f
        _check_conditions(svc, f, problems)
    missing = [s for s in SERVICE_SLUGS if s not in services]
    if missing and not problems:
        problems.append(Problem("catalogue/", None, "", f"Leistungen fehlen im Katalog: {', '.join(missing)}"))
    _check_synonyms(services, files, problems)

    county: Optional[County] = None
    cf = _File(root / "county.yml", root)
    if cf.read(problems):
        c = cf.validate(County, cf.data, problems)
        county = c if isinstance(c, County) else None

    municipalities: dict[str, Municipality] = {}
    mfiles: dict[str, _File] = {}
    mun_dir = root / "municipalities"
    for path in sorted(mun_dir.glob("*/municipality.yml")) if mun_dir.is_dir() else []:
        f = _File(path, root)
        if not f.read(problems):
            continue
        m = f.validate(Municipality, f.data, problems)
        if isinstance(m, Municipality):
            if m.id != path.parent.name:
                problems.append(Problem(f.name, f.line_of(["id"]), "id", f"id '{m.id}' passt nicht zum Ordnernamen '{path.parent.name}'"))
            if m.id in municipalities:
                problems.append(Problem(f.name, f.line_of(["id"]), "id", f"Gemeinde '{m.id}' ist doppelt"))
            municipalities[m.id] = m
            mfiles[m.id] = f

    life_events: dict[str, LifeEventInfo] = {}
    lf = _File(root / "life_events.yml", root)
    if lf.read(problems):
        if not isinstance(lf.data, list):
            problems.append(Problem(lf.name, 1, "", "Erwartet eine Liste von Lebenslagen (Zeilen mit '- key: ...')"))
        else:
            for i, item in enumerate(lf.data):
                ev = lf.validate(LifeEventInfo, item, problems, prefix=(i,))
                if isinstance(ev, LifeEventInfo):
                    life_events[ev.key] = ev

    if county is not None:
        _check_references(services, county, cf, municipalities, mfiles, problems)
    if problems or county is None:
        raise KBValidationError(problems or [Problem("county.yml", None, "", "Landkreis-Datei fehlt")])
    return KnowledgeBase(root=root, services=services, county=county, municipalities=municipalities, life_events=life_events)


def _check_conditions(svc: Service, f: _File, problems: list[Problem]) -> None:
    declared = set(svc.situations)

    def check(expr: Optional[str], loc: list) -> None:
        if not expr:
            return
        try:
            parsed = conditions.parse(expr)
        except conditions.ConditionError as exc:
            problems.append(Problem(f.name, f.line_of(loc), ".".join(map(str, loc)), f"Bedingung '{expr}' ist fehlerhaft: {exc}"))
            return
        unknown = conditions.variables(parsed) - declared
        if unknown:
            problems.append(Problem(f.name, f.line_of(loc), ".".join(map(str, loc)),
                                    f"Bedingung nennt unbekannte Situation(en) {', '.join(sorted(unknown))}; bitte unter 'situations' anlegen"))

    for i, doc in enumerate(svc.documents):
        check(doc.when, ["documents", i, "when"])
    for i, fee in enumerate(svc.fees):
        check(fee.when, ["fees", i, "when"])
    for key, sit in svc.situations.items():
        check(sit.ask_if, ["situations", key, "ask_if"])
    ids = [d.id for d in svc.documents]
    for i, doc_id in enumerate(ids):
        if ids.index(doc_id) != i:
            problems.append(Problem(f.name, f.line_of(["documents", i, "id"]), f"documents.{i}.id", f"Dokument-id '{doc_id}' ist doppelt"))


def _check_synonyms(services: dict[str, Service], files: dict[str, _File], problems: list[Problem]) -> None:
    owner: dict[str, str] = {}
    for slug, svc in services.items():
        located = [(["name"], svc.name), *((["synonyms", i], w) for i, w in enumerate(svc.synonyms)),
                   *((["colloquial", i], w) for i, w in enumerate(svc.colloquial))]
        for loc, word in located:
            key = normalize(word)
            other = owner.get(key)
            if other and other != slug:
                problems.append(Problem(files[slug].name, files[slug].line_of(loc), ".".join(map(str, loc)),
                                        f"Wort '{word}' gehört schon zur Leistung '{other}'; ein Wort darf nur eine Leistung meinen"))
            owner.setdefault(key, slug)


def _check_references(services: dict[str, Service], county: County, cf: _File,
                      municipalities: dict[str, Municipality], mfiles: dict[str, _File],
                      problems: list[Problem]) -> None:
    office_ids: dict[str, str] = {}

    def register(office: Office, f: _File, loc: list) -> None:
        if office.id in office_ids:
            problems.append(Problem(f.name, f.line_of(loc + ["id"]), "id",
                                    f"Amts-id '{office.id}' ist doppelt (schon in {office_ids[office.id]})"))
        office_ids[office.id] = f.name

    def register_stops(o: Office, f: _File, loc: list) -> None:
        for j, stop in enumerate(o.stops):
            sloc = loc + ["stops", j]
            register(stop, f, sloc)  # type: ignore[arg-type]
            if stop.municipality not in municipalities:
                problems.append(Problem(f.name, f.line_of(sloc + ["municipality"]), ".".join(map(str, sloc + ["municipality"])),
                                        f"unbekannte Gemeinde '{stop.municipality}'"))
                continue
            known = {normalize(x) for x in municipalities[stop.municipality].ortsteile}
            for k, ort in enumerate(stop.ortsteile):
                if normalize(ort) not in known:
                    problems.append(Problem(f.name, f.line_of(sloc + ["ortsteile", k]), ".".join(map(str, sloc + ["ortsteile", k])),
                                            f"'{ort}' ist kein Ortsteil von {municipalities[stop.municipality].name}"))

    for i, o in enumerate(county.offices):
        register(o, cf, ["offices", i])
        register_stops(o, cf, ["offices", i])
    for mid, m in municipalities.items():
        for i, o in enumerate(m.offices):
            register(o, mfiles[mid], ["offices", i])
            register_stops(o, mfiles[mid], ["offices", i])

    def check_overrides(overrides: dict[str, ServiceOverride], f: _File) -> None:
        for slug, ov in overrides.items():
            if slug not in services:
                problems.append(Problem(f.name, f.line_of(["services", slug]), f"services.{slug}",
                                        f"unbekannte Leistung '{slug}' (nicht im Katalog)"))
            if ov.office and ov.office not in office_ids:
                problems.append(Problem(f.name, f.line_of(["services", slug, "office"]), f"services.{slug}.office",
                                        f"unbekanntes Amt '{ov.office}'"))

    def check_responsible(resp: dict[str, str], f: _File) -> None:
        for otype, oid in resp.items():
            if oid not in office_ids:
                problems.append(Problem(f.name, f.line_of(["responsible", otype]), f"responsible.{otype}",
                                        f"unbekanntes Amt '{oid}'"))

    def check_offices(offices: list[Office], f: _File) -> None:
        for i, o in enumerate(offices):
            for mid in o.serves:
                if mid not in municipalities:
                    problems.append(Problem(f.name, f.line_of(["offices", i, "serves"]), f"offices.{i}.serves",
                                            f"unbekannte Gemeinde '{mid}'"))
            if o.booking:
                for slug in list(o.booking.slot_minutes) + [k for k in o.booking.link_out if k != "default"]:
                    if slug not in services:
                        problems.append(Problem(f.name, f.line_of(["offices", i, "booking"]), f"offices.{i}.booking",
                                                f"unbekannte Leistung '{slug}'"))

    check_overrides(county.services, cf)
    check_responsible(county.responsible, cf)
    check_offices(county.offices, cf)
    for mid, m in municipalities.items():
        check_overrides(m.services, mfiles[mid])
        check_responsible(m.responsible, mfiles[mid])
        check_offices(m.offices, mfiles[mid])
