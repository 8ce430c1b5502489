"""What one message says, extracted once per turn: services (without negated mentions and transport
words), places, named office, yes/no, references, corrections, time and transport words."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from assistant.kb.loader import KnowledgeBase, normalize
from assistant.kb.views import resolve_municipality, resolve_office, resolve_service

YES_WORDS = {"ja", "jo", "joa", "jap", "jep", "jawohl", "genau", "richtig", "doch", "stimmt", "klar", "gerne", "gern",
             "ok", "okay", "jaja", "yes", "jupp", "freilich", "sicher", "natuerlich", "korrekt", "ja."}
NO_WORDS = {"nein", "nee", "ne", "noe", "nö", "nicht", "kein", "keine", "keinen", "falsch", "nix", "nichts", "niemals",
            "nie", "no"}
NEGATIONS = {"ohne", "kein", "keine", "keinen", "keiner", "keinem", "nicht", "nie", "nix"}
REFERENCE_WORDS = {"da", "dort", "dahin", "dorthin", "hin", "das", "es", "denen", "dies", "dieses", "diese", "dieser",
                   "dafuer", "dazu", "darauf", "beides", "ihnen", "dem"}
TRANSPORT = {"buergerbus": "buergerbus", "rufbus": "rufbus", "anrufbus": "rufbus", "buergermobil": "buergermobil",
             "bus": "bus", "busse": "bus", "buslinie": "bus", "stadtbus": "bus", "zug": "bahn", "bahn": "bahn",
             "taxi": "taxi"}
CAR_WORDS = {"auto", "autos", "wagen", "pkw", "fahrzeug", "kfz"}
WEEKEND_WORDS = {"wochenende", "samstag", "samstags", "sonntag", "sonntags", "sonnabend", "we"}
CORRECTION_RE = re.compile(
    r"^(nein|nee|ne|noe|ach|oh|sorry|quatsch|moment)?[ ,.!]*(ich )?(meinte|meine|mein|wollte|wollt)\b"
    r"|\bich meinte\b|\bzurueck zu(m|r)?\b|\bnicht (den|die|das|der) \w+[, ]+sondern\b|\bdoch lieber\b"
    r"|\bnicht \w+[, ]+(sondern|ich meine)\b|\bnee[, ]+(die|der|das|den)\b|\beigentlich (wollte|meinte)\b"
)
FOLLOW_UP_RE = re.compile(r"^(und|u|aber|auch|ach|achso|ok|okay|gut|super|danke)\b")


@dataclass
class Turn:
    """One message, understood once."""

    text: str
    intent: str = ""
    confidence: float = 0.0
    ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    sender: str = ""
    channel: Optional[str] = None
    # extracted
    services: list[str] = field(default_factory=list)  # what the message asks about, most likely first
    negated_services: list[str] = field(default_factory=list)  # "ohne Auto", "keinen Online-Ausweis"
    municipality: Optional[str] = None  # where the resident lives / asks about
    place: Optional[str] = None  # that place as named ("Lindenau", an Ortsteil): picks a mobile office's stop
    municipalities: list[str] = field(default_factory=list)  # every municipality named ("ich in A, mein Bruder in B")
    destination: Optional[str] = None  # "nach Musterstadt": where they travel to
    office_id: Optional[str] = None  # an office named in the message
    option: Optional[str] = None
    options: list[str] = field(default_factory=list)
    yes_no: Optional[bool] = None
    dont_know: bool = False
    reference: bool = False  # refers back: "da", "dort", "das", "und ...?"
    follow_up: bool = False  # starts with "und" / "aber": continues the last answer
    correction: bool = False  # "nein ich meinte ...", "zurück zum Auto"
    transport: Optional[str] = None  # a transport word that is not a service request
    office_type: Optional[str] = None  # an office type named ("Bürgerbüro", "Standesamt")
    verb: Optional[str] = None  # "abmeld"/"anmeld" named without negation (for "ich meinte abmelden")
    no_car: bool = False
    weekend: bool = False
    age: Optional[int] = None  # "ich bin 45": picks the fee of that age group
    words: list[str] = field(default_factory=list)

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    @property
    def service(self) -> Optional[str]:
        return self.services[0] if self.services else None

    @property
    def short(self) -> bool:
        return len(self.words) <= 4


def _entity_values(entities: list[dict], name: str) -> list[dict]:
    return [e for e in entities if e.get("entity") == name and e.get("value") is not None]


PURPOSE_WORDS = {"fuer", "fuers", "zur", "zum", "wegen", "beim", "bei", "um"}
TRAVEL_WORDS = {"nach", "zum", "zur", "bis", "richtung", "ins"}


def _before(text: str, start: Optional[int], n: int = 3) -> list[str]:
    if start is None:
        return []
    return normalize(text[:start]).split()[-n:]


def _negated(text: str, start: Optional[int]) -> bool:
    """'ohne Auto', 'kein Auto', 'keinen Online-Ausweis', 'nicht den Perso' (negation right before)."""
    before = _before(text, start, 3)
    if not before:
        return False
    if before[-1] in NEGATIONS:
        return True
    # "kein eigenes Auto", "keinen neuen Online-Ausweis"; "nicht den Perso sondern ..."
    return len(before) >= 2 and before[-2] in NEGATIONS and before[-1] not in {"und", "oder", "aber", "sondern"}


def _is_transport_span(text: str, ent: dict) -> bool:
    start, end = ent.get("start"), ent.get("end")
    span = normalize(text[start:end]) if start is not None and end is not None else ""
    return any(w in TRANSPORT for w in span.split())


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(max(s, 0), min(e, len(chars))):
            chars[i] = " "
    return "".join(chars)


_NEG_PHRASE_RE = re.compile(r"\b(ohne|kein\w*|nicht)\s+(\w+\s+){0,2}?(\w*(auto|wagen|pkw|fahrzeug|ausweis|perso|pass)\w*)",
                            re.IGNORECASE)
_TRANSPORT_RE = re.compile(r"\b\w*(b(ü|ue)rgerbus|rufbus|b(ü|ue)rgermobil|stadtbus|bus)\w*\b", re.IGNORECASE)


LOSS_RE = re.compile(r"\b(gestohlen|geklaut|verloren|verlegt|(ist|sind|war|waren) (\w+ )?weg|abhanden|"
                     r"nicht mehr (da|auffindbar)|entwendet)\b")
ID_SERVICES = {"personalausweis", "reisepass"}

# "kein Auto mehr", "keinen Hund mehr": no longer having it means deregistering it
NO_LONGER_RE = re.compile(r"\b(kein|keine|keinen)\s+(?:\w+\s+)?(auto|wagen|pkw|fahrzeug|hund)\s+mehr\b")
NO_LONGER = {"auto": "kfz_abmeldung", "wagen": "kfz_abmeldung", "pkw": "kfz_abmeldung", "fahrzeug": "kfz_abmeldung",
             "hund": "hund_abmelden"}


def _type_owners(kb: KnowledgeBase) -> dict[str, tuple[str, set[str]]]:
    owners: dict[str, tuple[str, set[str]]] = {}
    for oid, office in kb.offices.items():
        for t in office.types:
            for variant in {t.replace("_", ""), t.split("_")[-1]}:
                owners.setdefault(variant, (t, set()))[1].add(oid)
    return owners


def office_type_word(kb: KnowledgeBase, words: list[str]) -> tuple[Optional[str], Optional[str]]:
    """(office type, office id if exactly one office has it) for 'Ausländerbehörde', 'Bürgerbüro', ..."""
    owners = _type_owners(kb)
    for w in words:
        stem = w[:-1] if w.endswith(("n", "s")) and w[:-1] in owners else w
        if stem in owners:
            otype, ids = owners[stem]
            parents = {kb.stop_parent.get(i, i) for i in ids}  # a mobile office and its stops are one office
            return otype, (next(iter(ids)) if len(ids) == 1 else next(iter(parents)) if len(parents) == 1 else None)
    return None, None


def office_by_type_word(kb: KnowledgeBase, words: list[str]) -> Optional[str]:
    return office_type_word(kb, words)[1]


def named_verb(words: list[str]) -> Optional[str]:
    found = []
    for i, w in enumerate(words):
        for v in SIBLINGS:
            if (w.startswith(v) or w.startswith(v.replace("meld", "zumeld"))) and not (i and words[i - 1] == "nicht"):
                found.append(v)
    return found[0] if len(set(found)) == 1 else None


SIBLINGS = {"abmeld": {"kfz_zulassung": "kfz_abmeldung", "wohnsitz_anmelden": "wohnsitz_abmelden",
                       "gewerbe_anmelden": "gewerbe_abmelden", "hund_anmelden": "hund_abmelden"},
            "anmeld": {"kfz_abmeldung": "kfz_zulassung", "wohnsitz_abmelden": "wohnsitz_anmelden",
                       "gewerbe_abmelden": "gewerbe_anmelden", "hund_abmelden": "hund_anmelden"}}
CAR_SERVICES = {"kfz_zulassung", "kfz_abmeldung"}


def swap_verb(services: list[str], words: list[str]) -> list[str]:
    """'Auto ... abmelden' is the car's deregistration, not the residence's: combine the object
    (Auto) with the verb (abmelden) when the gazetteer found them as two services."""
    verb = named_verb(words)
    has_car = bool(set(words) & CAR_WORDS) or bool(set(services) & CAR_SERVICES)
    if verb is None or not has_car:
        return services
    target = "kfz_abmeldung" if verb == "abmeld" else "kfz_zulassung"
    rest = [s for s in services if s not in CAR_SERVICES and s not in ("wohnsitz_abmelden", "wohnsitz_anmelden")]
    return [target] + rest


QUESTION_WORDS = {"wo", "was", "wie", "wann", "welche", "welcher", "welches", "wer", "wen", "wieviel", "brauche",
                  "muss", "kann"}


def question_clause(text: str) -> Optional[str]:
    """The clause after the last comma or full stop if it starts with a question word (else None)."""
    parts = [p for p in re.split(r"[,.;:!?]| und dann | aber ", text) if p.strip()]
    if len(parts) < 2:
        return None
    last = normalize(parts[-1]).split()
    return parts[-1] if last and last[0] in QUESTION_WORDS else None


AGE_RE = re.compile(r"\b(?:ich bin|bin|er ist|sie ist|ist|sind|wir sind)\s+(?:erst\s+|schon\s+|jetzt\s+)?(\d{1,2})\b"
                    r"|\b(\d{1,2})\s*(?:jahre|jahr|j)\b")


def age_of(text: str) -> Optional[int]:
    """'ich bin 45', '17 Jahre alt', 'er ist 12' -> the age (1-110), else None."""
    m = AGE_RE.search(normalize(text))
    if not m:
        return None
    age = int(m.group(1) or m.group(2))
    return age if 0 < age <= 110 else None


def yes_no(intent: str, text: str) -> Optional[bool]:
    """True/False from the intent or from ja/nein words anywhere in a short or long answer
    ("jo, n alter Kühlschrank is auch dabei", "nein, sie ist zuhause gestorben")."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    words = normalize(text).split()
    if not words:
        return None
    first = words[0]
    if first in {"ja", "jo", "joa", "jap", "jep", "jawohl", "genau", "richtig", "stimmt", "klar", "jupp", "jaja", "yes",
                 "doch", "freilich", "natuerlich", "sicher", "korrekt"}:
        return True
    if first in {"nein", "nee", "ne", "noe", "no", "nix", "niemals", "nie"}:
        return False
    head = set(words[:6])
    if head & {"nein", "nee", "noe"}:
        return False
    if head & {"ja", "jo", "jawohl", "jep", "jap"}:
        return True
    if len(words) <= 6:
        if set(words) & {"nicht", "kein", "keine", "keinen", "nichts"} and "doch" not in words:
            return False
        if set(words) & {"ja", "jo", "jawohl", "gerne", "gern", "ok", "okay", "jep", "jap", "yes", "passt",
                         "einverstanden", "bitte"} and not set(words) & {"wo", "wann", "wie", "was", "welche"}:
            return True
    return None


def dont_know(intent: str, text: str) -> bool:
    if intent == "dont_know":
        return True
    norm = normalize(text)
    return bool(re.search(r"\b(weiss (ich )?nicht|keine ahnung|k a|ka|unsicher|egal|ueberspringen|weiss nich)\b", norm))


def extract(kb: KnowledgeBase, message: dict[str, Any], sender: str = "", channel: Optional[str] = None) -> Turn:
    """Everything the engine needs from Rasa's parse of one message."""
    text = str(message.get("text") or "")
    intent_d = message.get("intent") or {}
    entities = [e for e in (message.get("entities") or []) if isinstance(e, dict)]
    turn = Turn(text=text, intent=str(intent_d.get("name") or ""), confidence=float(intent_d.get("confidence") or 0),
                ranking=list(message.get("intent_ranking") or []), entities=entities, sender=sender, channel=channel)
    norm = normalize(text)
    words = norm.split()
    turn.words = words
    turn.options = [str(e["value"]) for e in _entity_values(entities, "option")]
    turn.option = turn.options[0] if turn.options else None
    payload = turn.is_payload

    # services: entities minus negated mentions and transport words, ranked by purpose words
    services, negated, blanks = [], [], []
    for ent in _entity_values(entities, "service"):
        slug = resolve_service(kb, str(ent["value"]))
        if not slug:
            continue
        if not payload and _is_transport_span(text, ent):
            blanks.append((ent.get("start") or 0, ent.get("end") or 0))
            continue
        if not payload and _negated(text, ent.get("start")):
            negated.append(slug)
            blanks.append((ent.get("start") or 0, ent.get("end") or 0))
            continue
        services.append((ent, slug))
    if not payload:
        for m in _NEG_PHRASE_RE.finditer(text):
            blanks.append(m.span())
        for m in _TRANSPORT_RE.finditer(text):
            blanks.append(m.span())
    purposeful = [s for e, s in services if set(_before(text, e.get("start"))) & PURPOSE_WORDS]
    rest = [s for e, s in services if s not in purposeful]
    if turn.intent == "check_documents":
        rest.reverse()  # what they have comes first, what it is for comes last
    ordered: list[str] = []
    for s in purposeful + rest:
        if s not in ordered:  # a positive mention counts even if the same service is also negated
            ordered.append(s)
    if not ordered and text and not payload and len(text) < 500:
        cleaned = _blank_spans(text, blanks)
        # "wir haben ein Baby bekommen, wo beantrage ich Kindergeld": the question clause names what
        # is asked about; the clause before it is only the situation
        question = question_clause(cleaned)
        found = resolve_service(kb, question) if question else None
        # a life-event question the NLU gave no service ("wir haben ein Baby bekommen, was nun?") is about
        # the whole situation: only its question clause may name a service, not "Baby" anywhere in it
        if turn.intent != "ask_life_event":
            found = found or (resolve_service(kb, cleaned) if cleaned.strip() else None)
        if found and found not in negated:
            ordered.append(found)
    gone = NO_LONGER_RE.search(norm) if not payload else None
    if gone and NO_LONGER[gone.group(2)] in kb.services:  # "kein Auto mehr", "keinen Hund mehr": the deregistration
        target = NO_LONGER[gone.group(2)]
        registering = SIBLINGS["anmeld"].get(target)
        if not ordered or ordered == [registering]:
            ordered = [target]
    if not payload and LOSS_RE.search(norm) and "ausweis_verlust" in kb.services and \
            set(ordered) & (ID_SERVICES | {"ausweis_verlust"}):
        # "Perso und Führerschein sind weg", "mein Pass wurde gestohlen": the lost-ID service, not a new
        # application, and first: blocking the ID is what is urgent
        ordered = ["ausweis_verlust"] + [s for s in ordered if s not in ID_SERVICES | {"ausweis_verlust"}]
    turn.services = ordered
    turn.negated_services = negated

    # places: home/asked-about municipality vs. destination; a named office
    for ent in _entity_values(entities, "place"):
        value = str(ent["value"])
        if not payload and _before(text, ent.get("start"), 1) in (["nicht"], ["kein"], ["nich"]):
            continue  # "nee nicht Kleinwalde, Auental"
        mid = resolve_municipality(kb, value)
        before = _before(text, ent.get("start"), 1)
        if mid and before and before[-1] in TRAVEL_WORDS and turn.intent == "ask_directions":
            turn.destination = turn.destination or mid
            continue
        if mid:
            if mid not in turn.municipalities:
                turn.municipalities.append(mid)
            if turn.municipality is None:
                turn.municipality, turn.place = mid, value
        elif not turn.office_id:
            turn.office_id = resolve_office(kb, value)
    if turn.municipality is None and turn.destination is None and text and not payload and len(text) < 500:
        turn.municipality = resolve_municipality(kb, text)
        if turn.municipality:
            turn.municipalities = [turn.municipality]
    if not payload and len(turn.municipalities) < 2 and "," in text:
        for part in re.split(r"[,;]", text):  # "ich wohne in Musterstadt, mein Bruder in Kleinwalde"
            part_words = normalize(part).split()
            if len(part_words) > 6 or set(part_words) & {"nicht", "nich", "nee", "nein", "kein", "keine"}:
                continue  # "nee nicht Kleinwalde, Auental": a correction, not a second place
            mid = resolve_municipality(kb, part)
            if mid and mid not in turn.municipalities and mid != turn.destination:
                turn.municipalities.append(mid)
    if turn.office_id is None and text and not payload:
        turn.office_id = resolve_office(kb, text) or office_by_type_word(kb, words)
    if not payload:
        turn.office_type = office_type_word(kb, words)[0]
        turn.services = swap_verb(turn.services, words)
        turn.verb = named_verb(words)

    if not payload:
        turn.yes_no = yes_no(turn.intent, text)
        turn.dont_know = dont_know(turn.intent, text)
        turn.reference = bool(set(words) & REFERENCE_WORDS) or bool(FOLLOW_UP_RE.match(norm))
        turn.follow_up = bool(FOLLOW_UP_RE.match(norm))
        turn.correction = bool(CORRECTION_RE.search(norm))
        for w in words:
            if w in TRANSPORT or w.endswith("bus"):
                turn.transport = TRANSPORT.get(w, "bus")
                break
        turn.no_car = bool(re.search(r"\b(ohne|kein\w*|nicht)\s+(\w+\s+){0,2}?(auto|wagen|pkw|fahrzeug)\b", norm))
        turn.weekend = bool(set(words) & WEEKEND_WORDS)
        turn.age = age_of(text)
    else:
        turn.yes_no = True if turn.intent == "affirm" else False if turn.intent == "deny" else None
        turn.dont_know = turn.intent == "dont_know"
    return turn
