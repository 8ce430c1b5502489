"""Understand time preferences: 'lieber Donnerstag nachmittag', 'nächste Woche', 'so früh wie möglich'."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Optional

from assistant.kb.loader import normalize

WEEKDAYS = {
    "montag": 0, "montags": 0, "mo": 0, "dienstag": 1, "dienstags": 1, "di": 1, "mittwoch": 2, "mittwochs": 2,
    "mi": 2, "donnerstag": 3, "donnerstags": 3, "do": 3, "freitag": 4, "freitags": 4, "fr": 4,
    "samstag": 5, "samstags": 5, "sa": 5, "sonnabend": 5,
}


@dataclass
class Preference:
    weekdays: set[int] = field(default_factory=set)
    earliest_time: Optional[dt.time] = None
    latest_time: Optional[dt.time] = None
    from_date: Optional[dt.date] = None
    to_date: Optional[dt.date] = None

    def matches(self, start: dt.datetime) -> bool:
        local = start
        if self.weekdays and local.weekday() not in self.weekdays:
            return False
        if self.earliest_time and local.time() < self.earliest_time:
            return False
        if self.latest_time and local.time() >= self.latest_time:
            return False
        if self.from_date and local.date() < self.from_date:
            return False
        if self.to_date and local.date() > self.to_date:
            return False
        return True

    @property
    def is_empty(self) -> bool:
        return not (self.weekdays or self.earliest_time or self.latest_time or self.from_date or self.to_date)


NEGATIONS = {"nicht", "kein", "keinen", "keine", "ausser", "ohne", "bloss"}
DATE_RE = re.compile(r"\b(ab|nach|bis|vor|am)?\s*(\d{1,2})\.\s*(\d{1,2})\.(\d{2,4})?")


def _date(day_s: str, month_s: str, year_s: Optional[str], today: dt.date) -> Optional[dt.date]:
    year = int(year_s) if year_s else today.year
    year = year + 2000 if year < 100 else year
    try:
        day = dt.date(year, int(month_s), int(day_s))
    except ValueError:
        return None
    if day < today and not year_s:
        day = day.replace(year=year + 1)
    return day


def parse(text: str, today: dt.date) -> Preference:
    """Parse German time preferences from free text (unknown words are ignored)."""
    pref = Preference()
    lowered = text.lower().replace("ß", "ss")
    # explicit dates first ("am 3.12.", "ab 10.12.", "bis 3.12.2027"), then remove them so that
    # their numbers are not read as times
    for m in DATE_RE.finditer(lowered):
        day = _date(m.group(2), m.group(3), m.group(4), today)
        if day is None:
            continue
        word = m.group(1)
        if word in ("ab", "nach"):
            pref.from_date = day + dt.timedelta(days=1 if word == "nach" else 0)
        elif word in ("bis", "vor"):
            pref.to_date = day - dt.timedelta(days=1 if word == "vor" else 0)
        else:
            pref.from_date = pref.to_date = day
    without_dates = DATE_RE.sub(" ", lowered)
    norm = normalize(without_dates)
    tokens = norm.split()
    padded = f" {norm} "
    excluded: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok in WEEKDAYS and (len(tok) > 2 or f" am {tok} " in padded or len(tokens) <= 3):
            before = set(tokens[max(0, i - 2):i])
            (excluded if before & NEGATIONS else pref.weekdays).add(WEEKDAYS[tok])
    if excluded and not pref.weekdays:
        pref.weekdays = {d for d in range(6) if d not in excluded}
    not_before = re.search(r"\b(nicht|kein\w*|ausser)\s+(am\s+|in der\s+)?(vormittag\w*|morgens)", norm)
    not_after = re.search(r"\b(nicht|kein\w*|ausser)\s+(am\s+)?(nachmittag\w*|mittags)", norm)
    if not_before:  # "aber nicht vormittags"
        pref.earliest_time = dt.time(12, 0)
    elif any(w in padded for w in (" vormittag", " vormittags", " morgens ", " frueh am tag", " in der frueh")):
        pref.latest_time = dt.time(12, 0)
    if not_after:
        pref.latest_time = dt.time(12, 0)
    elif any(w in padded for w in (" nachmittag", " nachmittags", " mittags ")):
        pref.earliest_time = dt.time(12, 0)
    if " abend" in padded:
        pref.earliest_time = dt.time(16, 0)
    m = re.search(r"\b(ab|nach)\s+(\d{1,2})(?:\s*(?:uhr|:|\s)\s*(\d{2}))?", norm)
    if m and int(m.group(2)) <= 23:
        pref.earliest_time = dt.time(int(m.group(2)), min(int(m.group(3) or 0), 59))
    m = re.search(r"\b(vor|bis)\s+(\d{1,2})(?:\s*(?:uhr|:|\s)\s*(\d{2}))?", norm)
    if m and int(m.group(2)) <= 23:
        pref.latest_time = dt.time(int(m.group(2)), min(int(m.group(3) or 0), 59))
    monday = today - dt.timedelta(days=today.weekday())
    if "uebernaechste woche" in norm:
        pref.from_date, pref.to_date = monday + dt.timedelta(days=14), monday + dt.timedelta(days=20)
    elif "naechste woche" in norm or "kommende woche" in norm:
        pref.from_date, pref.to_date = monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
    elif "diese woche" in norm:
        pref.from_date, pref.to_date = today, monday + dt.timedelta(days=6)
    if " uebermorgen " in padded:
        pref.from_date = pref.to_date = today + dt.timedelta(days=2)
    elif " morgen " in padded and "morgens" not in padded:
        pref.from_date = pref.to_date = today + dt.timedelta(days=1)
    elif " heute " in padded:
        pref.from_date = pref.to_date = today
    return pref
