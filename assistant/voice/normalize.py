"""Turn chat text into text a German speech synthesiser reads well.

:func:`normalize_for_speech` removes markdown, bullets and emojis, replaces links and e-mail
addresses by a pointer to the written message, expands abbreviations and speaks times, time
ranges, dates, phone numbers, euro amounts and other numbers as German words. Each step is a
small function applied in a fixed order (links first, because they contain digits; dates before
phone numbers; money and times before plain numbers).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable, Match

from assistant.voice.numbers_de import MAX_NUMBER, cardinal, cardinal_attributive, digits, ordinal, year

LINK_PHRASE = "den Link in der Nachricht"
LINK_PHRASE_DATIVE = "dem Link in der Nachricht"
EMAIL_PHRASE = "die E-Mail-Adresse in der Nachricht"
EMAIL_PHRASE_DATIVE = "der E-Mail-Adresse in der Nachricht"

MONTHS: tuple[str, ...] = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)
WEEKDAYS: dict[str, str] = {
    "Mo": "Montag", "Di": "Dienstag", "Mi": "Mittwoch", "Do": "Donnerstag",
    "Fr": "Freitag", "Sa": "Samstag", "So": "Sonntag",
}
_DASH = r"(?:–|—|-|bis)"
_WD = r"(?:Mo|Di|Mi|Do|Fr|Sa|So)"
_DATIVE_BEFORE = re.compile(r"\b(?:am|vom|zum|dem|den|beim|im|seit|ab dem|bis zum)\s*$", re.IGNORECASE)
_LINK_DATIVE_BEFORE = re.compile(r"\b(?:unter|auf|bei|mit|von|in|aus|nach)\s*$", re.IGNORECASE)
# Feminine nouns that often follow "1" in our answers ("1 Woche" → "eine Woche").
_FEMININE_AFTER_ONE = frozenset(
    {"woche", "stunde", "minute", "person", "nacht", "seite", "gebühr", "frist", "unterschrift", "kopie", "stelle"}
)

# Abbreviations (regex, replacement). Order matters only where one is a prefix of another.
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bz\.\s?B\.", "zum Beispiel"),
    (r"\bu\.\s?a\.", "unter anderem"),
    (r"\bu\.\s?U\.", "unter Umständen"),
    (r"\bd\.\s?h\.", "das heißt"),
    (r"\bi\.\s?d\.\s?R\.", "in der Regel"),
    (r"\be\.\s?V\.", "eingetragener Verein"),
    (r"\bggf\.", "gegebenenfalls"),
    (r"\bNr\.", "Nummer"),
    (r"\bca\.", "circa"),
    (r"\bbzw\.", "beziehungsweise"),
    (r"\bbzgl\.", "bezüglich"),
    (r"\bzzgl\.", "zuzüglich"),
    (r"\busw\.", "und so weiter"),
    (r"\binkl\.", "inklusive"),
    (r"\bevtl\.", "eventuell"),
    (r"\bvgl\.", "vergleiche"),
    (r"\bgem\.", "gemäß"),
    (r"\bmind\.", "mindestens"),
    (r"\bmax\.", "maximal"),
    (r"\bTel\.", "Telefon"),
    (r"\bAbs\.", "Absatz"),
    (r"\bStd\.", "Stunden"),
    (r"\bMin\.", "Minuten"),
    (r"\bHr\.", "Herr"),
    (r"\bStr\.", "Straße"),
    (r"(?<=[a-zäöüß])str\.", "straße"),
    (r"\bOT\b", "Ortsteil"),
    (r"\bPLZ\b", "Postleitzahl"),
    (r"\bkm\b", "Kilometer"),
    # Acronyms Pico would read as a word: in capitals it spells them ("Kfz" → "Ka-Ef-Zett").
    (r"\bKfz\b", "KFZ"),
    (r"\bPkw\b", "PKW"),
    (r"\bLkw\b", "LKW"),
)
_ABBREVIATION_RES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in _ABBREVIATIONS)

# Emojis and pictographs; the rest of the "Symbol, other" category is removed too (see _remove_emojis).
_EMOJI_RE = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U00002B00-\U00002BFF\U0001F1E6-\U0001F1FF"
    "\uFE0E\uFE0F\u200D\u20E3]"
)


def _sub(pattern: str | re.Pattern[str], repl: Callable[[Match[str]], str], text: str, flags: int = 0) -> str:
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
    return regex.sub(repl, text)


def _remove_emojis(text: str) -> str:
    text = re.sub(r"\s*°\s*C\b", " Grad Celsius", text)
    text = text.replace("°", " Grad")
    text = re.sub(r"\s*(?:→|⇒|➜|➔)\s*", ", ", text)
    text = _EMOJI_RE.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Sk", "Co", "Cs"))


def _replace_links(text: str) -> str:
    def link_phrase(match: Match[str], dative: str, accusative: str) -> str:
        before = match.string[: match.start()]
        return dative if _LINK_DATIVE_BEFORE.search(before) else accusative

    def markdown_link(match: Match[str]) -> str:
        label = match.group(1).strip()
        if re.search(r"(?:https?://|www\.|@|\.de\b|\.com\b)", label):
            return link_phrase(match, LINK_PHRASE_DATIVE, LINK_PHRASE)
        return label

    text = _sub(r"\[([^\]\n]+)\]\(([^)\s]+)\)", markdown_link, text)
    text = _sub(r"<((?:https?://|mailto:)[^>\s]+)>", lambda m: m.group(1), text)
    text = _sub(
        r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}",
        lambda m: link_phrase(m, EMAIL_PHRASE_DATIVE, EMAIL_PHRASE),
        text,
    )

    def url(match: Match[str]) -> str:
        raw = match.group(0)
        stripped = raw.rstrip(".,;:!?)\"'")
        return link_phrase(match, LINK_PHRASE_DATIVE, LINK_PHRASE) + raw[len(stripped):]

    text = _sub(r"(?:https?://|www\.)[^\s<>\"]+", url, text, re.IGNORECASE)
    text = _sub(
        r"(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:de|com|org|net|eu|info)(?:/[^\s<>\"]*)?(?![\w-])",
        url,
        text,
        re.IGNORECASE,
    )
    return text


def _strip_markdown(text: str) -> str:
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"[-*_=|:\s]{3,}", line):  # blank line, rule or table separator
            continue
        line = re.sub(r"^#{1,6}\s*", "", line)
        line = re.sub(r"^>\s*", "", line)
        line = re.sub(r"^(?:[-*+•▪◦‣►]|\d{1,2}[.)])\s+", "", line)
        line = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), line)
        line = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", line)
        line = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"\1", line)
        line = re.sub(r"~~(.+?)~~", r"\1", line)
        line = line.replace("`", "")
        line = re.sub(r"\s*\|\s*", ", ", line).strip(", ")
        if not line:
            continue
        if not re.search(r"[.!?:;,]$", line):
            line += "."
        lines.append(line)
    return " ".join(lines)


def _expand_weekdays(text: str) -> str:
    text = _sub(
        rf"\b({_WD})\.?\s*{_DASH}\s*({_WD})\b\.?",
        lambda m: f"{WEEKDAYS[m.group(1)]} bis {WEEKDAYS[m.group(2)]}",
        text,
    )

    def dotted(match: Match[str]) -> str:
        abbr, following = match.group(1), match.string[match.end():]
        if abbr == "Fr" and re.match(r"\s+(?!Vormittag|Nachmittag|Abend|Morgen|Mittag)[A-ZÄÖÜ][a-zäöüß]", following):
            return "Frau"  # "Fr. Schulze"
        return WEEKDAYS[abbr]

    text = _sub(rf"\b({_WD})\.(?=[\s,;:/–—-]|$)", dotted, text)
    # Without a dot only where the context is unmistakably a schedule: "Mo 8–12", "Mo: …", "Mo, Di".
    text = _sub(rf"\b({_WD})\b(?=\s*(?::|\d|,\s*{_WD}\b|und\s+{_WD}\b|\+))", lambda m: WEEKDAYS[m.group(1)], text)
    text = _sub(rf"(?<=, )({_WD})\b", lambda m: WEEKDAYS[m.group(1)], text)
    return text


def _expand_abbreviations(text: str) -> str:
    text = _expand_weekdays(text)
    for regex, replacement in _ABBREVIATION_RES:
        text = regex.sub(replacement, text)
    return text


def _date_words(day: int, month: int, year_text: str | None, before: str) -> str:
    ending = "en" if _DATIVE_BEFORE.search(before) else "er"
    words = f"{ordinal(day, ending)} {MONTHS[month - 1]}"
    if year_text:
        value = int(year_text)
        if len(year_text) == 2:
            value += 2000
        words += " " + year(value)
    return words


def _speak_dates(text: str) -> str:
    def numeric(match: Match[str]) -> str:
        day, month, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return match.group(0)
        words = _date_words(day, month, year_text, match.string[: match.start()])
        rest = match.string[match.end():]
        if not year_text and (rest.strip() == "" or re.match(r"\s+[A-ZÄÖÜ]", rest)):
            words += "."  # the date's final dot also ended the sentence
        return words

    text = _sub(r"(?<![\d.,])(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})(?![\d.,]\d))?(?!\d)", numeric, text)

    def named(match: Match[str]) -> str:
        month = MONTHS.index(match.group(2)) + 1
        day = int(match.group(1))
        if not 1 <= day <= 31:
            return match.group(0)
        return _date_words(day, month, match.group(3), match.string[: match.start()])

    month_names = "|".join(MONTHS)
    text = _sub(rf"(?<![\d.,])(\d{{1,2}})\.\s*({month_names})\b(?:\s+(\d{{4}})\b)?", named, text)
    text = _sub(rf"\b({month_names})\s+(1[1-9]\d\d|20\d\d)\b", lambda m: f"{m.group(1)} {year(int(m.group(2)))}", text)
    return text


def _group_digits(group: str) -> list[str]:
    """Split a digit group longer than five into chunks of three (never a single digit at the end)."""
    if len(group) <= 5:
        return [group]
    chunks = [group[i : i + 3] for i in range(0, len(group), 3)]
    if len(chunks[-1]) == 1:
        chunks[-2:] = [chunks[-2][:2], chunks[-2][2:] + chunks[-1]]
    return chunks


def _speak_phone_numbers(text: str) -> str:
    def phone(match: Match[str]) -> str:
        raw = match.group(0)
        count = sum(ch.isdigit() for ch in raw)
        if not 6 <= count <= 16:
            return raw
        raw = raw.replace("(0)", " ")
        parts: list[str] = []
        for group in re.findall(r"\+|\d+", raw):
            if group == "+":
                parts.append("plus")
            else:
                parts.extend(digits(chunk) for chunk in _group_digits(group))
        return ", ".join(p for p in parts if p).replace("plus, ", "plus ")

    pattern = r"(?<![\w.,:])(?:\+|00)[1-9][\d ()/-]{5,}\d(?![\d.,:]\d)|(?<![\w.,:])\(?0[1-9][\d ()/-]{4,}\d(?![\d.,:]\d)"
    return _sub(pattern, phone, text)


def _euro_words(euros: int, cents: int) -> str:
    if euros > MAX_NUMBER:
        return f"{digits(str(euros))} Euro"
    if euros == 0 and cents:
        return f"{cardinal(cents)} Cent"
    words = f"{cardinal_attributive(euros)} Euro"
    if cents:
        words += f" {cardinal(cents)}"
    return words


def _speak_money(text: str) -> str:
    amount = r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{2}|-{1,2}|–))?"

    def money(match: Match[str]) -> str:
        euros = int(match.group(1).replace(".", ""))
        cents_text = match.group(2) or ""
        cents = int(cents_text) if cents_text.isdigit() else 0
        return _euro_words(euros, cents)

    text = _sub(rf"(?<![\w.,]){amount}\s*(?:€|EUR\b|Euro\b)", money, text)
    text = _sub(rf"(?:€|\bEUR)\s*{amount}(?![\d,])", money, text)
    return text.replace("€", " Euro ")


def _clock(hour: int, minute: int) -> str:
    words = f"{cardinal_attributive(hour)} Uhr"
    if minute:
        words += f" {cardinal(minute)}"
    return words


def _speak_times(text: str) -> str:
    hour = r"([01]?\d|2[0-4])"

    def time_range(match: Match[str]) -> str:
        h1, m1, h2, m2, uhr = match.group(1), match.group(2), match.group(3), match.group(4), match.group(5)
        if not (m1 or m2 or uhr):
            return match.group(0)
        min1, min2 = int(m1 or 0), int(m2 or 0)
        prefix = "" if re.search(r"\b(?:von|zwischen)\s*$", match.string[: match.start()], re.IGNORECASE) else "von "
        if min1 == 0 and min2 == 0:
            return f"{prefix}{cardinal_attributive(int(h1))} bis {cardinal_attributive(int(h2))} Uhr"
        return f"{prefix}{_clock(int(h1), min1)} bis {_clock(int(h2), min2)}"

    text = _sub(
        rf"(?<![\d:.,]){hour}(?:[:.]([0-5]\d))?\s*(?:–|—|-|bis)\s*{hour}(?:[:.]([0-5]\d))?(\s*Uhr\b)?(?![\d:])",
        time_range,
        text,
    )
    clock = lambda m: _clock(int(m.group(1)), int(m.group(2) or 0))  # noqa: E731
    text = _sub(rf"(?<![\d:.,]){hour}:([0-5]\d)(?:\s*Uhr\b)?(?![\d:])", clock, text)
    text = _sub(rf"(?<![\d:.,]){hour}\.([0-5]\d)\s*Uhr\b", clock, text)
    text = _sub(rf"(?<![\d:.,]){hour}()\s*Uhr\b", clock, text)
    return text


def _speak_units(text: str) -> str:
    text = re.sub(r"\s*%", " Prozent", text)
    text = re.sub(r"§§\s*", "Paragrafen ", text)
    text = re.sub(r"§\s*", "Paragraf ", text)
    text = re.sub(r"\s*&\s*", " und ", text)
    return text


def _speak_numbers(text: str) -> str:
    def number(match: Match[str]) -> str:
        integer_text, fraction = match.group(1), match.group(2)
        if "." not in integer_text and len(integer_text) > 1 and integer_text.startswith("0"):
            return digits(integer_text)
        value = int(integer_text.replace(".", ""))
        if value > MAX_NUMBER:
            return digits(integer_text)
        if fraction:
            return f"{cardinal(value)} Komma {digits(fraction)}"
        if "." not in integer_text and 1100 <= value <= 1999:
            return year(value)
        if value == 1:
            following = re.match(r"\s+([A-ZÄÖÜ][a-zäöüß]+)", match.string[match.end():])
            if following:
                return "eine" if following.group(1).lower() in _FEMININE_AFTER_ONE else "ein"
        return cardinal(value)

    return _sub(r"(?<![\w])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\d])", number, text)


def _tidy(text: str) -> str:
    text = re.sub(r"(?<=\w)/(?=\w)", " oder ", text)
    text = text.replace("/", " ")
    text = re.sub(r"\s+[–—-]\s+", ", ", text)
    text = text.replace("–", " bis ").replace("—", ", ")
    text = re.sub(r"[()\[\]{}]", ", ", text)
    text = re.sub(r"[\"“”„«»‹›<>*#_~^\\]", "", text)
    text = text.replace("…", ".")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = re.sub(r"[,;:]\s*([.!?])", r"\1", text)
    text = re.sub(r"([.!?])(?:\s*[.,])+", r"\1", text)
    text = re.sub(r"([,.!?;:])(?=[^\s\d,.!?;:])", r"\1 ", text)
    text = text.strip(" ,;:")
    if re.search(r"\w", text) and not re.search(r"[.!?]$", text):
        text += "."  # a final abbreviation dot ("… und Do.") also ended the sentence
    return text if re.search(r"\w", text) else ""


def normalize_for_speech(text: str) -> str:
    """Return ``text`` rewritten for German speech synthesis (see the module docstring)."""
    text = unicodedata.normalize("NFC", text or "")
    text = _remove_emojis(text)
    text = _replace_links(text)
    text = _strip_markdown(text)
    text = _expand_abbreviations(text)
    text = _speak_dates(text)
    text = _speak_phone_numbers(text)
    text = _speak_money(text)
    text = _speak_times(text)
    text = _speak_units(text)
    text = _speak_numbers(text)
    return _tidy(text)
