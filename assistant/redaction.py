"""Replace personal data in text with placeholders: the one redaction used wherever text is stored
or shown to staff (Rasa tracker store, log files, staff inbox, feedback, curated training data).

Replaced: e-mail addresses [E-Mail], IBANs [IBAN], dates with a year and dates of birth [Datum],
booking codes [Buchungscode], phone numbers [Telefon] (German numbers via the ``phonenumbers``
library plus a pattern for written-out formats), ID card and passport numbers [Ausweisnummer],
tax IDs, tax numbers and other long numbers [Nummer], street addresses with a house number
[Adresse], and names after "ich heiße", "mein Name ist" and similar phrases [Name].

The patterns err on the side of hiding too much: neither staff nor the stored history needs a
resident's personal data; the running flow gets the unredacted message in the same turn.

This module imports nothing heavy (standard library, and ``phonenumbers`` on first use) so that
both environments can use it: the Rasa process (tracker store, log filter) and the application.
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# Same alphabet as assistant.booking.service.CODE_ALPHABET (not imported: that module needs
# SQLAlchemy 2.0, the Rasa environment has 1.4). tests/test_redaction.py keeps them equal.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

PLACEHOLDERS = ("[E-Mail]", "[IBAN]", "[Datum]", "[Buchungscode]", "[Telefon]", "[Adresse]", "[Nummer]", "[Name]",
                "[Ausweisnummer]")
PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))

_W = r"A-Za-zÄÖÜäöüß"
EMAIL_RE = re.compile(r"[\w.+%-]+(?:\s?(?:@|\(at\)|\[at\])\s?|\s(?:at|ät)\s(?=[\w-]+\.[a-z]{2,}\b))[\w-]+(?:\s?(?:\.|\(dot\)|\[dot\])\s?[\w-]+)+",
                      re.IGNORECASE)
IBAN_RE = re.compile(r"\b[A-Z]{2}[ ]?\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
MONTHS = ("januar|jan|februar|feb|märz|maerz|mär|april|apr|mai|juni|jun|juli|jul|august|aug|september|sep|sept|"
          "oktober|okt|november|nov|dezember|dez")
DATE_RES = (
    re.compile(r"\b\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})\b"),
    re.compile(r"\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b"),
    re.compile(rf"\b\d{{1,2}}\.?\s*(?:{MONTHS})\.?\s+(?:19|20)\d{{2}}\b", re.IGNORECASE),
    # "geboren am 3.4." / "geb. 3. April" / "Geburtstag ist der 3.4." (birthday without year)
    re.compile(rf"\b(?:geboren|geb\.|geburtstag|geburtsdatum)\s*(?:ist\s+)?(?:am\s+|der\s+|den\s+)?:?\s*"
               rf"(\d{{1,2}}\.\s?(?:\d{{1,2}}\.?|(?:{MONTHS})\b\.?))", re.IGNORECASE),
    # "1955 geboren, am 4. Juli", "geboren bin ich am 3.4."
    re.compile(rf"\bgeboren\b[^.!?\d]{{0,25}}?\bam\s+(\d{{1,2}}\.\s?(?:\d{{1,2}}\.|(?:{MONTHS})\b\.?))",
               re.IGNORECASE),
    # "am 5. März geboren", "am 3.4. in Halle geboren"
    re.compile(rf"(\b\d{{1,2}}\.\s?(?:\d{{1,2}}\.|(?:{MONTHS})\b\.?))\s+(?:in\s+\w+\s+)?geboren", re.IGNORECASE),
    # "Jahrgang 1948", "geboren 1961", "geb. 1955"
    re.compile(r"\b(?:jahrgang|geboren|geb\.)\s*(?:im\s+jahr\s+)?((?:19|20)\d{2})\b", re.IGNORECASE),
)
CODE_RE = re.compile(r"(?<![\w-])([A-Za-z0-9]{3}-?[A-Za-z0-9]{3})(?![\w-])")
# written-out phone numbers phonenumbers does not validate (old short area codes, odd grouping)
PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00|\(0|0)\d?[\d \t/().-]{4,}\d(?!\w)")
PHONE_CONTEXT_RE = re.compile(
    r"\b(?:tel(?:efon)?(?:nummer)?|handy(?:nummer)?|mobil(?:nummer)?|rufnummer|festnetz|erreichbar\s+unter|"
    r"(?:an)?rufen\s+(?:sie\s+)?(?:mich\s+)?(?:bitte\s+)?unter|nummer)\.?\s*(?:ist|lautet)?\s*:?\s*"
    r"(\d[\d \t/-]{4,}\d)", re.IGNORECASE)
# German ID card / passport: 9 characters from this alphabet (letters without vowels and B, D, Q, S)
ID_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"
ID_CONTEXT_RE = re.compile(
    r"\b(?:(?:personal)?ausweis(?:-?nummer|-?nr\.?)?|(?:reise)?pass(?:-?nummer|-?nr\.?)?|seriennummer|"
    r"dokumenten-?nummer|id-?nummer)\s*(?:ist|lautet|hat\s+die\s+nummer|nummer|nr\.?)?\s*:?\s*"
    r"([A-Za-z0-9]{8,10})\b", re.IGNORECASE)
ID_RE = re.compile(rf"\b[{ID_ALPHABET}]{{9}}\b")
TAX_CONTEXT_RE = re.compile(
    r"\b(?:steuer-?(?:identifikations)?-?(?:nummer|id|nr\.?)|st\.?-?nr\.?|idnr\.?|identifikationsnummer|"
    r"versicherungsnummer|rentenversicherungsnummer|sozialversicherungsnummer|versichertennummer|"
    r"krankenversicherungsnummer|kundennummer|aktenzeichen)"
    r"(?:\s+(?:des|der|von|vom|meines|meiner|meinem)\s+[A-Za-zÄÖÜäöüß]+)?\s*(?:ist|lautet)?\s*:?\s*"
    r"(\d[\d /]{6,16}\d|\d{2}\s?\d{6}\s?[A-Za-z]\s?\d{3}|[A-Za-z]\d{9})", re.IGNORECASE)
STREET_SUFFIX = (r"straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|chaussee|pfad|steig|ufer|markt|hof|"
                 r"siedlung|anger|berg|graben|winkel|zeile|stieg|dorf")
ADDRESS_RE = re.compile(
    rf"\b[{_W}][{_W}.-]*(?:{STREET_SUFFIX})\s+\d{{1,4}}(?:\s?[a-zA-Z](?!\w))?(?:\s?[-/]\s?\d{{1,4}})?",
    re.IGNORECASE)
# "Am Anger 3", "An der Kirche 5", "Zum Sportplatz 2", "Straße des Friedens 4" (not "Am Montag 12 Uhr")
NOT_PLACE = ("montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|wochenende|vormittag|nachmittag|"
             "morgen|abend|ende|anfang|tag|" + MONTHS)
ADDRESS_PREFIX_RE = re.compile(
    rf"\b(?i:Am|An\s+der|An\s+den|Auf\s+dem|Auf\s+der|Im|In\s+der|Zum|Zur|Hinter\s+der|Straße\s+des|Straße\s+der)"
    rf"\s+(?!(?i:{NOT_PLACE})\b)(?![{_W}-]+(?i:{STREET_SUFFIX})\s)[A-ZÄÖÜ][{_W}-]+(?:\s+[A-ZÄÖÜ][{_W}-]+)?"
    rf"\s+\d{{1,3}}(?:\s?[a-zA-Z](?!\w))?(?!\s*(?i:uhr|h\b|:|\.\d))")
# "am Markt 4", "im winkel 2" (the street is only the suffix word)
ADDRESS_BARE_RE = re.compile(
    rf"\b(?:am|im|an\s+der|auf\s+dem|zum|zur)\s+(?:{STREET_SUFFIX})\s+\d{{1,4}}(?:\s?[a-z](?!\w))?(?!\s*(?:uhr|:))",
    re.IGNORECASE)
LONG_NUMBER_RE = re.compile(r"\b\d(?:[ ]?\d){6,}\b")
NAME_TRIGGER_RE = re.compile(
    r"\b(?:ich\s+hei(?:ß|ss|s)e|mein\s+(?:vor|nach|voller\s+)?name\s+(?:ist|lautet|wäre|waere)|"
    r"mein\s+name\s*:|name\s*:|hier\s+spricht|hier\s+ist|mit\s+freundlichen\s+grü(?:ß|ss)en|"
    r"(?:viele|liebe|beste)\s+grü(?:ß|ss)e|mfg|lg|gruß|gruss)\s*[,:]?\s*",
    re.IGNORECASE)
# "Ich bin Klaus Richter", "ich bin die Frau Schulz": two capitalised words, or a title and one
SELF_INTRO_RE = re.compile(
    r"\b[Ii]ch\s+bin\s+(?:die\s+|der\s+)?((?:Frau|Herr|Fr\.|Hr\.)\s+[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
    r"|[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?\s+[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)")
NAME_WORD_RE = re.compile(rf"[{_W}][{_W}'-]*")
TITLES = {"dr", "prof", "frau", "herr", "fr", "hr"}
# words after a trigger that are not (part of) a name
NAME_STOP = {
    "und", "ich", "aus", "bin", "wohne", "komme", "habe", "hab", "möchte", "moechte", "brauche", "will", "würde",
    "wuerde", "in", "von", "vom", "wie", "was", "wo", "wann", "warum", "der", "die", "das", "den", "dem", "mit",
    "bitte", "aber", "also", "hier", "oder", "zum", "zur", "für", "fuer", "ist", "sind", "war", "hätte",
    "haette", "kann", "soll", "muss", "frage", "eine", "einen", "ein", "nicht", "auch", "noch", "schon", "gerne",
    "gern", "danke", "hallo", "guten", "tag", "weil", "da", "dass", "wegen", "am", "im", "an", "auf", "bei",
    "mein", "meine", "sie", "es", "er", "wir", "geht", "gehts", "nochmal", "wieder",
}
FILLERS = {"äh", "ähm", "aeh", "aehm", "ehm", "hm", "hmm", "also", "ja", "so", "naja"}


@dataclass(frozen=True)
class Hit:
    """One piece of personal data found in a text."""

    kind: str  # the placeholder, e.g. "[Telefon]"
    start: int
    end: int


def _spans(pattern: re.Pattern[str], text: str, kind: str, group: int = 0,
           accept: Callable[[re.Match[str]], bool] | None = None) -> Iterable[Hit]:
    for m in pattern.finditer(text):
        if accept is None or accept(m):
            yield Hit(kind, m.start(group), m.end(group))


def _is_code(m: re.Match[str]) -> bool:
    plain = m.group(1).replace("-", "").upper()
    return (all(c in CODE_ALPHABET for c in plain) and any(c.isdigit() for c in plain)
            and any(c.isalpha() for c in plain))


def _is_id(m: re.Match[str]) -> bool:
    token = m.group(0)
    return token.isupper() and sum(c.isdigit() for c in token) >= 2 and sum(c.isalpha() for c in token) >= 1


def _is_iban(m: re.Match[str]) -> bool:
    return any(c.isdigit() for c in m.group(0)[4:])


@functools.lru_cache(maxsize=1)
def _phonenumbers() -> Any:
    try:
        import phonenumbers
    except ModuleNotFoundError:  # pragma: no cover - both environments install it
        return None
    return phonenumbers


def _phone_hits(text: str) -> Iterable[Hit]:
    pn = _phonenumbers()
    if pn is not None:
        for match in pn.PhoneNumberMatcher(text, "DE", leniency=pn.Leniency.VALID):
            digits = re.sub(r"\D", "", match.raw_string)
            if len(digits) >= 6:
                yield Hit("[Telefon]", match.start, match.end)
    for m in PHONE_RE.finditer(text):
        raw = m.group(0).rstrip(" \t.-/")
        if len(re.sub(r"\D", "", raw)) >= 6:
            yield Hit("[Telefon]", m.start(), m.start() + len(raw))
    yield from _spans(PHONE_CONTEXT_RE, text, "[Telefon]", 1)


def _name_hits(text: str) -> Iterable[Hit]:
    for m in NAME_TRIGGER_RE.finditer(text):
        cursor = m.end()
        words = 0
        start = end = None
        while words < 3:
            ws = re.match(r"[ \t]*", text[cursor:])
            pos = cursor + (ws.end() if ws else 0)
            wm = NAME_WORD_RE.match(text, pos)
            if wm and not words and wm.group(0).lower() in FILLERS:
                skip = re.match(r"[ \t]*,?", text[wm.end():])
                cursor = wm.end() + (skip.end() if skip else 0)
                continue
            if not wm or wm.group(0).lower().rstrip(".") in NAME_STOP:
                break
            if start is None:
                start = wm.start()
            words += 1
            cursor = end = wm.end()
            if wm.group(0).lower() in TITLES and text[cursor:cursor + 1] == ".":
                cursor = end = cursor + 1
                words -= 1  # a title does not count as a name word
        if words and start is not None and end is not None:
            yield Hit("[Name]", start, end)


# Order matters only for overlapping hits of equal length: earlier kinds win.
_DETECTORS: tuple[Callable[[str], Iterable[Hit]], ...] = (
    lambda t: _spans(EMAIL_RE, t, "[E-Mail]"),
    lambda t: _spans(IBAN_RE, t, "[IBAN]", accept=_is_iban),
    lambda t: _spans(TAX_CONTEXT_RE, t, "[Nummer]", 1),
    lambda t: _spans(ID_CONTEXT_RE, t, "[Ausweisnummer]", 1,
                     accept=lambda m: any(c.isdigit() for c in m.group(1))),
    lambda t: _spans(ID_RE, t, "[Ausweisnummer]", accept=_is_id),
    lambda t: (h for p in DATE_RES for h in _spans(p, t, "[Datum]", 1 if p.groups else 0)),
    lambda t: _spans(CODE_RE, t, "[Buchungscode]", 1, accept=_is_code),
    _phone_hits,
    lambda t: _spans(ADDRESS_RE, t, "[Adresse]"),
    lambda t: _spans(ADDRESS_PREFIX_RE, t, "[Adresse]"),
    lambda t: _spans(ADDRESS_BARE_RE, t, "[Adresse]"),
    lambda t: _spans(LONG_NUMBER_RE, t, "[Nummer]"),
    _name_hits,
    lambda t: _spans(SELF_INTRO_RE, t, "[Name]", 1),
)


def find(text: str | None) -> list[Hit]:
    """Hits in ``text`` in text order. Overlapping hits merge into one span that takes the kind
    of its longest part (the earlier detector on a tie)."""
    if not text:
        return []
    candidates = sorted(((hit, rank) for rank, detect in enumerate(_DETECTORS) for hit in detect(text)
                         if hit.end > hit.start), key=lambda c: (c[0].start, -c[0].end))
    merged: list[Hit] = []
    best: tuple[int, int] = (0, 0)  # (-length, rank) of the kind-giving part of the current span
    for hit, rank in candidates:
        key = (-(hit.end - hit.start), rank)
        if merged and hit.start < merged[-1].end:
            last = merged[-1]
            kind = hit.kind if key < best else last.kind
            best = min(best, key)
            merged[-1] = Hit(kind, last.start, max(last.end, hit.end))
        else:
            merged.append(hit)
            best = key
    return merged


def redact(text: str | None) -> str:
    """``text`` with personal data replaced by placeholders ([Telefon], [E-Mail], ...)."""
    if not text:
        return ""
    out: list[str] = []
    pos = 0
    for hit in find(text):
        out.append(text[pos:hit.start])
        out.append(hit.kind)
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)


def has_placeholder(text: str | None) -> bool:
    return bool(PLACEHOLDER_RE.search(text or ""))


ISO_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
# keys of structured values (slot JSON, entity values) that hold personal data as such
PERSONAL_KEYS = frozenset({"phone", "telefon", "email", "e_mail", "name", "iban", "birth_date", "birthday",
                           "address", "street", "id_number", "tax_id"})


# keys of the dialogue state (slot JSON) whose values are ids the next turn needs, never personal
# text: the booking code a cancel flow confirms, the slot offered, the office, the flow's id
MACHINE_KEYS = frozenset({"code", "booked_code", "reschedule", "slot", "slots", "offered", "skipped", "office", "office_id", "service",
                          "municipality", "place", "flow_id", "type", "stage", "kind", "asking", "need", "v"})


def redact_value(value: Any) -> Any:
    """Redact a JSON-like value: strings are redacted (machine timestamps kept), values under
    :data:`PERSONAL_KEYS` replaced, values under :data:`MACHINE_KEYS` kept."""
    if isinstance(value, str):
        return value if ISO_TIMESTAMP_RE.fullmatch(value) else redact(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in MACHINE_KEYS and not isinstance(v, dict) else
                    "[entfernt]" if k in PERSONAL_KEYS and v not in (None, "") else redact_value(v))
                for k, v in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """Logging filter: the formatted message and the exception text lose their personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return
    flt = RedactingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        flt.filter(record)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add one :class:`RedactingFilter` to every handler of ``logger`` (default: the root logger),
    and, for the root logger, wrap the log record factory so that records of loggers with their
    own handlers (sanic's, for example, added later) are redacted as well. Idempotent."""
    if logger is None:
        _install_record_factory()
    logger = logger or logging.getLogger()
    flt = next((f for h in logger.handlers for f in h.filters if isinstance(f, RedactingFilter)), None)
    flt = flt or RedactingFilter()
    for handler in logger.handlers:
        if flt not in handler.filters:
            handler.addFilter(flt)
    return flt


def _redact_slot_value(value: Any) -> Any:
    """Slot values: JSON text (the ``flow`` slot) is redacted key-aware so dates and ids the
    flow needs survive; plain text is redacted."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "["):
            import json

            try:
                parsed = json.loads(stripped)
            except ValueError:
                return redact(value)
            return json.dumps(redact_value(parsed), ensure_ascii=False)
        return redact(value)
    return redact_value(value)


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of one serialised Rasa tracker event (``Event.as_dict()``) without personal data:
    user and bot texts, entity values, slot values and metadata are redacted; everything the
    dialogue needs later (intent, entity names, action names, timestamps) stays."""
    out = dict(event)
    kind = out.get("event")
    if kind in ("user", "bot") and isinstance(out.get("text"), str):
        out["text"] = redact(out["text"])
    if kind == "user":
        parse = out.get("parse_data")
        if isinstance(parse, dict):
            parse = dict(parse)
            if isinstance(parse.get("text"), str):
                parse["text"] = redact(parse["text"])
            if isinstance(parse.get("entities"), list):
                parse["entities"] = [_redact_entity(e) for e in parse["entities"]]
            out["parse_data"] = parse
    if kind in ("user", "entities") and isinstance(out.get("entities"), list):
        out["entities"] = [_redact_entity(e) for e in out["entities"]]
    if kind == "slot" and "value" in out:
        out["value"] = _redact_slot_value(out["value"])
    if kind == "bot" and isinstance(out.get("data"), dict):
        out["data"] = redact_value(out["data"])
    if isinstance(out.get("metadata"), dict) and out["metadata"]:
        out["metadata"] = redact_value(out["metadata"])
    return out


def _redact_entity(entity: Any) -> Any:
    if not isinstance(entity, dict):
        return entity
    entity = dict(entity)
    if isinstance(entity.get("value"), str):
        entity["value"] = redact(entity["value"])
    if isinstance(entity.get("text"), str):
        entity["text"] = redact(entity["text"])
    return entity
