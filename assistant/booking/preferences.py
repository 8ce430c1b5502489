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


def parse(text: str, today: dt.date) -> Preference:
    """Parse German time preferences from free text (unknown words are ignored)."""
    pref = Preference()
    norm = normalize(text)
    tokens = norm.split()
    padded = f" {norm} "
    for tok in tokens:
        if tok in WEEKDAYS and (len(tok) > 2 or f" am {tok} " in padded or len(tokens) <= 3):
            pref.weekdays.add(WEEKDAYS[tok])
    if any(w in padded for w in (" vormittag", " vormittags", " morgens ", " frueh am tag", " in der frueh")):
        pref.latest_time = dt.time(12, 0)
    if any(w in padded for w in (" nachmittag", " nachmittags", " mittags ")):
        pref.earliest_time = dt.time(12, 0)
    if " abend" in padded:
        pref.earliest_time = dt.time(16, 0)
    m = re.search(r"\b(ab|nach)\s+(\d{1,2})(?:\s*(?:uhr|:|\s)\s*(\d{2}))?", norm)
    if m:
        pref.earliest_time = dt.time(min(int(m.group(2)), 23), int(m.group(3) or 0))
    m = re.search(r"\b(vor|bis)\s+(\d{1,2})(?:\s*(?:uhr|:|\s)\s*(\d{2}))?", norm)
    if m:
        pref.latest_time = dt.time(min(int(m.group(2)), 23), int(m.group(3) or 0))
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
    m = re.search(r"\b(\d{1,2})\.\s*(\d{1,2})\.(\d{2,4})?", text)
    if m:
        year = int(m.group(3)) if m.group(3) else today.year
        year = year + 2000 if year < 100 else year
        try:
            day = dt.date(year, int(m.group(2)), int(m.group(1)))
            if day < today and not m.group(3):
                day = day.replace(year=year + 1)
            pref.from_date = pref.to_date = day
        except ValueError:
            pass
    return pref
