"""Schema of the knowledge-base YAML files (catalogue, county, municipalities).

Staff edit these files by hand; every model forbids unknown fields so a typo is reported
instead of silently ignored. Field descriptions double as documentation (see docs/kb-format.md).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_RE = r"^[a-z][a-z0-9_]*$"
TIME_RANGE_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")

SERVICE_SLUGS: tuple[str, ...] = (
    "personalausweis", "reisepass", "kinderreisepass", "ausweis_verlust", "wohnsitz_anmelden",
    "wohnsitz_abmelden", "meldebescheinigung", "fuehrungszeugnis", "hund_anmelden",
    "gewerbe_anmelden", "gewerbe_abmelden", "kfz_zulassung", "kfz_abmeldung", "fuehrerschein",
    "bauantrag", "bewohnerparkausweis", "geburtsurkunde", "eheschliessung", "sterbefall",
    "kindergeld", "elterngeld", "wohngeld", "briefwahl", "sperrmuell", "abfallbehaelter",
    "kita_platz", "schwerbehindertenausweis", "beglaubigung", "fischereischein", "baumfaellung",
    "fundsache", "einbuergerung", "hund_abmelden",
)

OfficeType = Literal[
    "buergerbuero", "standesamt", "kfz_zulassungsstelle", "fuehrerscheinstelle", "bauamt",
    "ordnungsamt", "auslaenderbehoerde", "wohngeldstelle", "familienkasse", "elterngeldstelle",
    "jugendamt", "abfallwirtschaft", "versorgungsamt", "bundesamt_justiz", "steueramt",
    "wahlamt", "fundbuero", "umweltamt", "buergermobil", "gemeindeverwaltung", "rentenberatung",
]
Identification = Literal["none", "bundid", "eid", "elster", "video_ident"]
LifeEvent = Literal[
    "umzug", "geburt", "heirat", "sterbefall", "hund", "auto", "bauen", "reise", "arbeit",
    "familie", "wahl", "einbuergerung", "gewerbe", "behinderung", "haushalt", "verlust", "freizeit",
]
Weekday = Literal["mo", "di", "mi", "do", "fr", "sa", "so"]
WEEKDAYS: tuple[str, ...] = ("mo", "di", "mi", "do", "fr", "sa", "so")


class Strict(BaseModel):
    """Base: unknown fields are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Source(Strict):
    """Where a fact comes from: a law (with paragraph) or an official page."""

    title: str = Field(min_length=3)
    url: Optional[str] = None
    checked: Optional[dt.date] = Field(
        None, description="Wann zuletzt gegen diese Quelle geprüft (JJJJ-MM-TT); 'kb check' warnt nach einem Jahr")

    @field_validator("url")
    @classmethod
    def _https(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not v.startswith("https://"):
            raise ValueError("Links müssen mit https:// beginnen")
        return v


class Situation(Strict):
    """A yes/no question whose answer changes the document list (key = situation key)."""

    question: str = Field(min_length=5, description="Ja/Nein-Frage an die Bürgerin / den Bürger")
    label: Optional[str] = Field(None, description="Kurz für 'nur wenn ...', z. B. 'Sie verheiratet sind'")
    label_no: Optional[str] = Field(None, description="Kurz für das Gegenteil, z. B. 'Sie nicht verheiratet sind'")
    ask_if: Optional[str] = Field(None, description="Bedingung, unter der gefragt wird, z. B. 'under_16'")
    source: Optional[Source] = None


class DocumentKind(Strict):
    """A form in which a document may come, and whether the office accepts it
    (e.g. Passbild: printed photo from a booth = no; code from a certified photographer = yes)."""

    name: str = Field(min_length=3)
    accepted: bool
    keywords: list[str] = Field(min_length=1, description="Wörter, an denen man diese Art erkennt")
    note: str = Field(min_length=10, description="Was die Bürgerin / der Bürger dazu wissen muss")
    source: Optional[Source] = None


class Document(Strict):
    """Something the resident must bring or upload."""

    id: str = Field(pattern=SLUG_RE)
    name: str = Field(min_length=3)
    note: Optional[str] = None
    when: Optional[str] = Field(
        None, description="Bedingung aus Situationen: 'under_16', 'not married', 'a and not b', 'a or b'"
    )
    priority: int = Field(50, ge=0, le=100, description="Wichtigste zuerst (100 = am wichtigsten)")
    source: Optional[Source] = None
    keywords: list[str] = Field(default_factory=list, description="Wörter, mit denen Leute es nennen")
    kinds: list[DocumentKind] = Field(default_factory=list,
                                      description="Welche Formen zählen und welche nicht (für den Unterlagen-Check)")
    kinds_hint: Optional[str] = Field(None, description="Hinweis, wenn jemand das Dokument ohne Art nennt")


class Fee(Strict):
    """A fee; either a fixed amount, a range, or free (amount 0)."""

    label: str = Field(min_length=3)
    amount: Optional[float] = Field(None, ge=0)
    amount_min: Optional[float] = Field(None, ge=0)
    amount_max: Optional[float] = Field(None, ge=0)
    when: Optional[str] = None
    legal_basis: Optional[str] = None
    note: Optional[str] = None

    @model_validator(mode="after")
    def _amount_or_range(self) -> "Fee":
        has_range = self.amount_min is not None or self.amount_max is not None
        if self.amount is None and not has_range:
            raise ValueError("Gebühr braucht 'amount' oder 'amount_min'/'amount_max'")
        if self.amount is not None and has_range:
            raise ValueError("Gebühr: entweder 'amount' oder 'amount_min'/'amount_max', nicht beides")
        if has_range and (self.amount_min is None or self.amount_max is None):
            raise ValueError("Gebührenspanne braucht 'amount_min' und 'amount_max'")
        if has_range and self.amount_min > self.amount_max:  # type: ignore[operator]
            raise ValueError("'amount_min' ist größer als 'amount_max'")
        return self


class Online(Strict):
    """Whether and how the service can be done online."""

    available: bool
    what: Optional[str] = Field(None, description="Was online geht, in einem Satz")
    identification: list[Identification] = Field(default_factory=list)
    url: Optional[str] = None
    uploads: list[str] = Field(default_factory=list, description="Was hochgeladen werden muss")
    reason_not_online: Optional[str] = Field(None, description="Warum nicht (Biometrie, Schriftform, ...)")
    all_identification: bool = Field(
        False, description="true = alle unter 'identification' sind nötig (z. B. BundID UND Online-Ausweis)")
    not_for: list[str] = Field(default_factory=list,
                               description="Wofür der Online-Dienst nicht geht, z. B. 'eine Nebenwohnung'")
    without_visit: Optional[str] = Field(
        None, description="Wie es ohne Hingehen geht, wenn nicht online (Brief, E-Mail), in einem Satz")

    @model_validator(mode="after")
    def _consistent(self) -> "Online":
        if self.available and not self.identification:
            raise ValueError("online verfügbar: 'identification' fehlt (none/bundid/eid/elster/video_ident)")
        if not self.available and not self.reason_not_online:
            raise ValueError("nicht online: 'reason_not_online' fehlt (ehrlicher Grund)")
        if self.url is not None and not self.url.startswith("https://"):
            raise ValueError("Links müssen mit https:// beginnen")
        return self


class DueDate(Strict):
    """A fixed date in a deadline (e.g. Führerschein exchange by 19.01.2029 for cards from 2008)."""

    date: dt.date
    applies_to: str = Field(min_length=3, description="Für wen, z. B. 'Kartenführerscheine aus 2008'")


class Deadline(Strict):
    """A legal deadline, e.g. Ummeldung within two weeks, or fixed dates (``dates``)."""

    text: str
    days: Optional[int] = Field(None, ge=0)
    legal_basis: Optional[str] = None
    dates: list[DueDate] = Field(
        default_factory=list, description="Feste Stichtage; 'kb check' warnt, wenn einer in der Vergangenheit liegt")
    source: Optional[Source] = None


class Service(Strict):
    """One administrative service, national facts (kb/catalogue/<slug>.yml)."""

    slug: str = Field(pattern=SLUG_RE)
    name: str = Field(min_length=3)
    synonyms: list[str] = Field(min_length=1, description="Wörter, die Leute wirklich benutzen")
    colloquial: list[str] = Field(
        default_factory=list,
        description="Alltagssprache, mit der Leute die Leistung meinen, ohne sie zu nennen ('rosa Lappen', 'Sofa')",
    )
    leika: Optional[str] = Field(None, pattern=r"^\d{14}$")
    summary: str = Field(min_length=20)
    office_type: OfficeType
    personal_appearance: bool
    processing_time: Optional[str] = None
    deadline: Optional[Deadline] = None
    life_events: list[LifeEvent] = Field(default_factory=list)
    situations: dict[str, Situation] = Field(default_factory=dict)
    documents: list[Document] = Field(default_factory=list)
    fees: list[Fee] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list, description="Kurzer Ablauf, 2-5 Schritte")
    online: Online
    sources: list[Source] = Field(min_length=1)
    order: int = Field(50, ge=0, le=100, description="Reihenfolge in Lebenslagen (klein = zuerst)")
    abolished_since: Optional[dt.date] = Field(
        None, description="Seit diesem Tag gibt es die Leistung nicht mehr (z. B. Kinderreisepass); keine Termine")

    @property
    def words(self) -> tuple[str, ...]:
        """Name, synonyms and colloquial words: everything that names this service."""
        return (self.name, *self.synonyms, *self.colloquial)

    @property
    def short_name(self) -> str:
        """Name without the explanation in brackets, for sentences and buttons."""
        return re.sub(r"\s*\([^)]*\)", "", self.name).strip()

    @field_validator("summary")
    @classmethod
    def _short_summary(cls, v: str) -> str:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", v.strip()) if s]
        if len(sentences) > 3:
            raise ValueError(f"Zusammenfassung hat {len(sentences)} Sätze, höchstens 3 erlaubt")
        return v


# ---------------------------------------------------------------- municipal data

class Address(Strict):
    street: str
    postcode: str = Field(pattern=r"^\d{5}$")
    city: str
    district: Optional[str] = Field(None, description="Ortsteil, z. B. 'Lindenau'")


class Geo(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Closure(Strict):
    """A day (or range) on which an office is closed."""

    date: dt.date
    until: Optional[dt.date] = None
    reason: str


class SpecialHours(Strict):
    """Hours on one date that replace the weekly rule (e.g. Bürgermobil stop, extra Saturday)."""

    date: dt.date
    hours: list[str]
    place: Optional[str] = None


class MonthlyRule(Strict):
    """Recurring visit: e.g. weekday 'mo', nth [2] = every 2nd Monday of the month."""

    weekday: Weekday
    nth: list[int] = Field(min_length=1)
    hours: list[str] = Field(min_length=1)
    place: Optional[str] = Field(None, description="Haltepunkt, z. B. 'Dorfgemeinschaftshaus Eichenbrück'")

    @field_validator("nth")
    @classmethod
    def _nth(cls, v: list[int]) -> list[int]:
        for n in v:
            if n not in (1, 2, 3, 4, 5, -1):
                raise ValueError("'nth' erlaubt 1 bis 5 oder -1 (letzter)")
        return v


class Hours(Strict):
    """Opening hours: weekly rule plus exceptions. Times as 'HH:MM-HH:MM'."""

    weekly: dict[Weekday, list[str]] = Field(default_factory=dict)
    monthly: list[MonthlyRule] = Field(default_factory=list)
    special: list[SpecialHours] = Field(default_factory=list)
    closures: list[Closure] = Field(default_factory=list)
    closed_on_public_holidays: bool = True
    note: Optional[str] = None

    @model_validator(mode="after")
    def _ranges(self) -> "Hours":
        ranges = [r for rs in self.weekly.values() for r in rs]
        ranges += [r for m in self.monthly for r in m.hours]
        ranges += [r for s in self.special for r in s.hours]
        for r in ranges:
            m = TIME_RANGE_RE.match(r)
            if not m:
                raise ValueError(f"Öffnungszeit '{r}' hat nicht das Format HH:MM-HH:MM (z. B. 08:00-12:00)")
            if (m.group(1), m.group(2)) >= (m.group(3), m.group(4)):
                raise ValueError(f"Öffnungszeit '{r}': Ende liegt nicht nach Beginn")
        return self


class TransportOption(Strict):
    """How to get to an office without a car."""

    kind: Literal["bus", "buergerbus", "rufbus", "bahn", "fuss", "taxi"]
    line: Optional[str] = None
    from_place: Optional[str] = None
    stop: Optional[str] = None
    walk_minutes: Optional[int] = Field(None, ge=0)
    departures: Optional[str] = Field(None, description="Grobe Abfahrtszeiten, z. B. 'Mo-Fr 7:10, 9:10, 13:10'")
    travel_minutes: Optional[int] = Field(None, ge=0)
    phone: Optional[str] = None
    booking_lead: Optional[str] = Field(None, description="Rufbus: wie lange vorher anrufen")
    note: Optional[str] = None


class Accessibility(Strict):
    step_free: bool
    note: Optional[str] = None
    disabled_parking: bool = False
    parking: Optional[str] = None


class BookingConfig(Strict):
    """Bookable appointments at an office."""

    enabled: bool = True
    hours: Optional[Hours] = Field(None, description="Termin-Zeiten; ohne Angabe = Öffnungszeiten")
    slot_minutes: dict[str, int] = Field(default_factory=dict, description="Dauer je Leistung (slug)")
    default_slot_minutes: int = Field(15, ge=5, le=240)
    counters: int = Field(1, ge=1, le=20)
    link_out: dict[str, str] = Field(
        default_factory=dict, description="Externe Terminbuchung je Leistung (slug) oder 'default'"
    )
    requires_name: bool = False


class Stop(Strict):
    """A place a mobile or visiting service comes to (Bürgermobil stop, Sprechtag), with its own
    address, coordinates, the municipality (and Ortsteile) it serves and its own schedule.

    The office's own ``hours.closures`` (e.g. a summer break of the vehicle) apply to every stop."""

    id: str = Field(pattern=SLUG_RE, description="Eigene id, z. B. 'buergermobil_lindenau'")
    name: str = Field(min_length=3, description="Haltestelle, z. B. 'Feuerwehrhaus Lindenau'")
    address: Address
    geo: Optional[Geo] = None
    municipality: str = Field(pattern=SLUG_RE, description="Gemeinde (id), für die diese Haltestelle da ist")
    ortsteile: list[str] = Field(default_factory=list,
                                 description="Ortsteile, für die sie da ist; leer = die ganze Gemeinde")
    hours: Hours
    transport: list[TransportOption] = Field(default_factory=list)
    accessibility: Optional[Accessibility] = None
    aliases: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- notices (staff forms; issue 20)

class Notice(Strict):
    """A current notice of an office or a municipality ("Heute Stromausfall, bitte anrufen"). The
    assistant puts it first in every answer about that office until ``until`` (inclusive)."""

    text: str = Field(min_length=5, max_length=300)
    until: dt.date = Field(description="Letzter Tag, an dem der Hinweis gilt")
    since: Optional[dt.date] = Field(None, description="Erster Tag (ohne Angabe: ab sofort)")

    def active_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and day <= self.until


# ---------------------------------------------------------------- offices

class Office(Strict):
    """A physical office, or a mobile/visiting service with ``stops`` (Bürgermobil, Sprechtag)."""

    id: str = Field(pattern=SLUG_RE)
    name: str
    types: list[OfficeType] = Field(min_length=1)
    address: Address
    geo: Optional[Geo] = None
    phone: str = Field(min_length=3, description="Telefonnummer (Pflicht; Leute ohne Internet rufen an)")
    email: Optional[str] = None
    web: Optional[str] = None
    hours: Hours
    notices: list[Notice] = Field(default_factory=list, description="Aktuelle Hinweise mit Enddatum")
    accessibility: Accessibility
    transport: list[TransportOption] = Field(default_factory=list)
    booking: Optional[BookingConfig] = None
    serves: list[str] = Field(default_factory=list, description="Gemeinden (ids), für die es zuständig ist")
    aliases: list[str] = Field(default_factory=list, description="Andere Namen, z. B. 'Rathaus'")
    stops: list[Stop] = Field(default_factory=list,
                              description="Haltestellen mit eigenem Zeitplan (Bürgermobil, Sprechtag)")


class ServiceOverride(Strict):
    """What a municipality changes about a national service. Only what differs."""

    office: Optional[str] = Field(None, description="Zuständiges Amt (office id)")
    fees: Optional[list[Fee]] = Field(None, description="Ersetzt die bundesweiten Gebühren")
    add_documents: list[Document] = Field(default_factory=list)
    remove_documents: list[str] = Field(default_factory=list)
    online_url: Optional[str] = None
    online: Optional[Online] = None
    note: Optional[str] = None
    booking_link: Optional[str] = None


class LocalAnswer(Strict):
    """A local question and answer (Wertstoffhof, Dorffest, Straßenlaterne ...)."""

    id: str = Field(pattern=SLUG_RE)
    questions: list[str] = Field(min_length=3, description="Mindestens 3 Beispielfragen")
    answer: str = Field(min_length=10)
    buttons: list[dict[str, str]] = Field(default_factory=list)


class Municipality(Strict):
    """A Gemeinde/Stadt: kb/municipalities/<id>.yml."""

    id: str = Field(pattern=SLUG_RE)
    name: str
    kind: Literal["stadt", "gemeinde"] = "gemeinde"
    ortsteile: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    offices: list[Office] = Field(default_factory=list)
    services: dict[str, ServiceOverride] = Field(default_factory=dict)
    responsible: dict[str, str] = Field(
        default_factory=dict, description="Amtsart -> office id (z. B. buergerbuero: buergermobil)"
    )
    local_answers: list[LocalAnswer] = Field(default_factory=list)
    notices: list[Notice] = Field(default_factory=list, description="Aktuelle Hinweise der Gemeinde mit Enddatum")
    demo: bool = True


class County(Strict):
    """The Landkreis: kb/county.yml. Offices here serve every municipality as fallback."""

    id: str = Field(pattern=SLUG_RE)
    name: str
    state: Literal["BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"]
    demo: bool = True
    offices: list[Office] = Field(default_factory=list)
    responsible: dict[str, str] = Field(default_factory=dict, description="Amtsart -> office id")
    services: dict[str, ServiceOverride] = Field(default_factory=dict)
    hotline_115: str = "Die 115 erreichen Sie Montag bis Freitag von 8 bis 18 Uhr."


class LifeEventInfo(Strict):
    """A life event (kb/life_events.yml): services come from the catalogue's tags."""

    key: LifeEvent
    name: str
    phrases: list[str] = Field(min_length=1)
    intro: str
    inform_others: list[str] = Field(default_factory=list, description="Außerhalb der Verwaltung Bescheid geben")


AnyFile = Union[Service, Municipality, County]
