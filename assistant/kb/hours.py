"""Opening hours: weekly rules, monthly visits (Bürgermobil), special dates, closures, holidays.

All results are timezone-aware datetimes in the configured zone (Europe/Berlin); computing
with local wall-clock times and attaching the zone keeps DST transitions right.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator, Optional
from zoneinfo import ZoneInfo

from assistant import formatting
from assistant.kb.holidays import public_holidays
from assistant.kb.schema import WEEKDAYS, Hours, MonthlyRule

MAX_LOOKAHEAD_DAYS = 120


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime
    place: Optional[str] = None

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


def _parse_range(text: str) -> tuple[dt.time, dt.time]:
    a, b = text.split("-")
    return dt.time.fromisoformat(a), dt.time.fromisoformat(b)


def _nth_weekday_matches(rule: MonthlyRule, day: dt.date) -> bool:
    if WEEKDAYS[day.weekday()] != rule.weekday:
        return False
    nth = (day.day - 1) // 7 + 1
    is_last = (day + dt.timedelta(days=7)).month != day.month
    return nth in rule.nth or (-1 in rule.nth and is_last)


def closure_reason(hours: Hours, day: dt.date, state: str) -> Optional[str]:
    """Why the office is closed on ``day`` although it would normally open, or None."""
    for c in hours.closures:
        if c.date <= day <= (c.until or c.date):
            return c.reason
    if hours.closed_on_public_holidays and not any(s.date == day for s in hours.special):
        name = public_holidays(day.year, state).get(day)
        if name:
            return f"Feiertag ({name})"
    return None


def regular_ranges(hours: Hours, day: dt.date) -> list[tuple[str, Optional[str]]]:
    """The ranges that apply on ``day`` before closures/holidays: (range, place)."""
    specials = [s for s in hours.special if s.date == day]
    if specials:
        return [(r, s.place) for s in specials for r in s.hours]
    out: list[tuple[str, Optional[str]]] = [(r, None) for r in hours.weekly.get(WEEKDAYS[day.weekday()], [])]  # type: ignore[arg-type]
    for rule in hours.monthly:
        if _nth_weekday_matches(rule, day):
            out += [(r, rule.place) for r in rule.hours]
    return out


def intervals_on(hours: Hours, day: dt.date, tz: ZoneInfo, state: str) -> list[Interval]:
    """Opening intervals on one local date."""
    if closure_reason(hours, day, state):
        return []
    out = []
    for text, place in regular_ranges(hours, day):
        a, b = _parse_range(text)
        out.append(Interval(dt.datetime.combine(day, a, tzinfo=tz), dt.datetime.combine(day, b, tzinfo=tz), place))
    return sorted(out, key=lambda i: i.start)


def iter_intervals(hours: Hours, since: dt.datetime, tz: ZoneInfo, state: str,
                   days: int = MAX_LOOKAHEAD_DAYS) -> Iterator[Interval]:
    """Intervals that end after ``since``, in time order, for up to ``days`` days."""
    local = since.astimezone(tz)
    for offset in range(days + 1):
        day = local.date() + dt.timedelta(days=offset)
        for interval in intervals_on(hours, day, tz, state):
            if interval.end > local:
                yield interval


def current_interval(hours: Hours, now: dt.datetime, tz: ZoneInfo, state: str) -> Optional[Interval]:
    for interval in intervals_on(hours, now.astimezone(tz).date(), tz, state):
        if interval.contains(now):
            return interval
    return None


def next_opening(hours: Hours, now: dt.datetime, tz: ZoneInfo, state: str) -> Optional[Interval]:
    """The next interval that starts after ``now`` (not the current one)."""
    for interval in iter_intervals(hours, now, tz, state):
        if interval.start > now:
            return interval
    return None


def describe_status(hours: Hours, now: dt.datetime, tz: ZoneInfo, state: str) -> str:
    """'Jetzt geöffnet bis 12 Uhr.' / 'Jetzt geschlossen. Nächste Öffnung: Donnerstag, 14 Uhr.'"""
    cur = current_interval(hours, now, tz, state)
    if cur:
        return f"Jetzt geöffnet bis {formatting.time_spoken(cur.end)}."
    nxt = next_opening(hours, now, tz, state)
    if nxt is None:
        return "Jetzt geschlossen. In den nächsten Wochen ist keine Öffnungszeit eingetragen."
    local_now = now.astimezone(tz)
    if nxt.start.date() == local_now.date():
        when = f"heute um {formatting.time_spoken(nxt.start)}"
    elif nxt.start.date() == local_now.date() + dt.timedelta(days=1):
        when = f"morgen um {formatting.time_spoken(nxt.start)}"
    elif (nxt.start.date() - local_now.date()).days < 7:
        when = f"{formatting.weekday_name(nxt.start.date())}, {formatting.time_spoken(nxt.start)}"
    else:
        when = f"{formatting.date_medium(nxt.start.date())}, {formatting.time_spoken(nxt.start)}"
    place = f" ({nxt.place})" if nxt.place else ""
    return f"Jetzt geschlossen. Nächste Öffnung: {when}{place}."


def weekly_lines(hours: Hours) -> list[str]:
    """'Dienstag: 9:00–12:00 Uhr' per weekday with hours, plus monthly rules in words."""
    lines = []
    for idx, key in enumerate(WEEKDAYS):
        ranges = hours.weekly.get(key, [])  # type: ignore[arg-type]
        if ranges:
            parts = [formatting.time_range(*_parse_range(r)).replace(" Uhr", "") for r in ranges]
            lines.append(f"{formatting.WEEKDAY_NAMES[idx]}: {', '.join(parts)} Uhr")
    ordinals = {1: "1.", 2: "2.", 3: "3.", 4: "4.", 5: "5.", -1: "letzten"}
    for rule in hours.monthly:
        nth = " und ".join(ordinals[n] for n in rule.nth)
        day = formatting.WEEKDAY_NAMES[WEEKDAYS.index(rule.weekday)]
        parts = [formatting.time_range(*_parse_range(r)).replace(" Uhr", "") for r in rule.hours]
        place = f" ({rule.place})" if rule.place else ""
        lines.append(f"jeden {nth} {day} im Monat: {', '.join(parts)} Uhr{place}")
    return lines


def upcoming_dates(hours: Hours, now: dt.datetime, tz: ZoneInfo, state: str, limit: int = 3) -> list[Interval]:
    """Next ``limit`` opening intervals (for Bürgermobil dates)."""
    out = []
    for interval in iter_intervals(hours, now, tz, state):
        out.append(interval)
        if len(out) >= limit:
            break
    return out
