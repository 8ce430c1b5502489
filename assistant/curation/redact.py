"""Remove personal data from text before staff see it (inbox, overview, feedback, training data).

Replaced with placeholders: e-mail addresses [E-Mail], IBANs [IBAN], dates with a year and
dates of birth [Datum], booking codes [Buchungscode], phone numbers [Telefon], street addresses
[Adresse], long numbers (tax id, customer number) [Nummer], and names after "ich heiße",
"mein Name ist" and similar phrases [Name].

The patterns err on the side of hiding too much: a staff member never needs a resident's
personal data to improve an answer.
"""
from __future__ import annotations

import re

from assistant.booking.service import CODE_ALPHABET

PLACEHOLDERS = ("[E-Mail]", "[IBAN]", "[Datum]", "[Buchungscode]", "[Telefon]", "[Adresse]", "[Nummer]", "[Name]")
PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))

_W = r"A-Za-zÄÖÜäöüß"
EMAIL_RE = re.compile(r"[\w.+%-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
MONTHS = ("januar|jan|februar|feb|märz|maerz|mär|april|apr|mai|juni|jun|juli|jul|august|aug|september|sep|sept|"
          "oktober|okt|november|nov|dezember|dez")
DATE_RES = (
    re.compile(r"\b\d{1,2}\s?[./]\s?\d{1,2}\s?[./]\s?(?:\d{4}|\d{2})\b"),
    re.compile(r"\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b"),
    re.compile(rf"\b\d{{1,2}}\.?\s*(?:{MONTHS})\.?\s+(?:19|20)\d{{2}}\b", re.IGNORECASE),
    # "geboren am 3.4." / "geb. 3. April" (birthday without year)
    re.compile(rf"\b(?:geboren|geb\.)\s*(?:am\s+)?\d{{1,2}}\.\s?(?:\d{{1,2}}\.?|(?:{MONTHS})\b\.?)", re.IGNORECASE),
)
CODE_RE = re.compile(r"(?<![\w-])([A-Za-z0-9]{3}-?[A-Za-z0-9]{3})(?![\w-])")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00|\(0|0)\d?[\d \t/()-]{4,}\d(?!\w)")
ADDRESS_RE = re.compile(
    rf"\b[{_W}][{_W}.-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|chaussee|pfad|steig|ufer)"
    rf"\s+\d{{1,4}}(?:\s?[a-zA-Z](?!\w))?", re.IGNORECASE)
LONG_NUMBER_RE = re.compile(r"\b\d(?:[ ]?\d){6,}\b")
NAME_TRIGGER_RE = re.compile(
    r"\b(?:ich\s+hei(?:ß|ss|s)e|mein\s+(?:vor|nach|voller\s+)?name\s+(?:ist|lautet|wäre|waere)|"
    r"mein\s+name\s*:|name\s*:|hier\s+spricht|mit\s+freundlichen\s+grü(?:ß|ss)en|(?:viele|liebe|beste)\s+grü(?:ß|ss)e|"
    r"mfg|lg|gruß|gruss)\s*[,:]?\s*",
    re.IGNORECASE)
NAME_WORD_RE = re.compile(rf"[{_W}][{_W}'-]*")
TITLES = {"dr", "prof", "frau", "herr", "fr", "hr"}
# words after a trigger that are not (part of) a name
NAME_STOP = {
    "und", "ich", "aus", "bin", "wohne", "komme", "habe", "hab", "möchte", "moechte", "brauche", "will", "würde",
    "wuerde", "in", "von", "vom", "wie", "was", "wo", "wann", "warum", "der", "die", "das", "den", "dem", "mit",
    "bitte", "aber", "also", "hier", "oder", "zum", "zur", "für", "fuer", "ist", "sind", "war", "hätte",
    "haette", "kann", "soll", "muss", "frage", "eine", "einen", "ein", "nicht", "auch", "noch", "schon", "gerne",
    "gern", "danke", "hallo", "guten", "tag", "weil", "da", "dass", "wegen", "am", "im", "an", "auf", "bei",
}
FILLERS = {"äh", "ähm", "aeh", "aehm", "ehm", "hm", "hmm", "also", "ja", "so", "naja"}


def _code(match: re.Match[str]) -> str:
    token = match.group(1)
    plain = token.replace("-", "").upper()
    if (all(c in CODE_ALPHABET for c in plain) and any(c.isdigit() for c in plain)
            and any(c.isalpha() for c in plain)):
        return "[Buchungscode]"
    return token


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) >= 6:
        trailing = match.group(0)[len(match.group(0).rstrip()):]
        return "[Telefon]" + trailing
    return match.group(0)


def _names(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in NAME_TRIGGER_RE.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos:m.end()])
        cursor = m.end()
        words = 0
        end = cursor
        while words < 3:
            ws = re.match(r"[ \t]*", text[cursor:])
            start = cursor + (ws.end() if ws else 0)
            wm = NAME_WORD_RE.match(text, start)
            if wm and not words and wm.group(0).lower() in FILLERS:
                skip = re.match(r"[ \t]*,?", text[wm.end():])
                cursor = wm.end() + (skip.end() if skip else 0)
                continue
            if not wm or wm.group(0).lower().rstrip(".") in NAME_STOP:
                break
            words += 1
            cursor = end = wm.end()
            if wm.group(0).lower() in TITLES and text[cursor:cursor + 1] == ".":
                cursor = end = cursor + 1
                words -= 1  # a title does not count as a name word
        if words:
            out.append("[Name]")
            pos = end
        else:
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def redact(text: str | None) -> str:
    """``text`` with personal data replaced by placeholders ([Telefon], [E-Mail], ...)."""
    if not text:
        return ""
    text = EMAIL_RE.sub("[E-Mail]", text)
    text = IBAN_RE.sub(lambda m: "[IBAN]" if any(c.isdigit() for c in m.group(0)[4:]) else m.group(0), text)
    for pattern in DATE_RES:
        text = pattern.sub("[Datum]", text)
    text = CODE_RE.sub(_code, text)
    text = PHONE_RE.sub(_phone, text)
    text = ADDRESS_RE.sub("[Adresse]", text)
    text = LONG_NUMBER_RE.sub("[Nummer]", text)
    text = _names(text)
    return text


def has_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER_RE.search(text or ""))
