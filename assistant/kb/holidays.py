"""German public holidays per federal state (legal holidays; no observance shifting in Germany)."""
from __future__ import annotations

import datetime as dt
import functools


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (Meeus's names)
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = ((h + l - 7 * m + 114) % 31) + 1
    return dt.date(year, month, day)


def _buss_und_bettag(year: int) -> dt.date:
    nov23 = dt.date(year, 11, 23)
    return nov23 - dt.timedelta(days=((nov23.weekday() - 2) % 7) or 7)


@functools.lru_cache(maxsize=64)
def public_holidays(year: int, state: str) -> dict[dt.date, str]:
    """Public holidays of ``state`` (two-letter code, e.g. ST) in ``year``."""
    e = easter_sunday(year)
    days = {
        dt.date(year, 1, 1): "Neujahr",
        e - dt.timedelta(days=2): "Karfreitag",
        e + dt.timedelta(days=1): "Ostermontag",
        dt.date(year, 5, 1): "Tag der Arbeit",
        e + dt.timedelta(days=39): "Christi Himmelfahrt",
        e + dt.timedelta(days=50): "Pfingstmontag",
        dt.date(year, 10, 3): "Tag der Deutschen Einheit",
        dt.date(year, 12, 25): "1. Weihnachtsfeiertag",
        dt.date(year, 12, 26): "2. Weihnachtsfeiertag",
    }
    if state in ("BW", "BY", "ST"):
        days[dt.date(year, 1, 6)] = "Heilige Drei Könige"
    if state in ("BE", "MV"):
        days[dt.date(year, 3, 8)] = "Internationaler Frauentag"
    if state in ("BW", "BY", "HE", "NW", "RP", "SL"):
        days[e + dt.timedelta(days=60)] = "Fronleichnam"
    if state in ("SL",):
        days[dt.date(year, 8, 15)] = "Mariä Himmelfahrt"
    if state == "TH":
        days[dt.date(year, 9, 20)] = "Weltkindertag"
    if state in ("BB", "HB", "HH", "MV", "NI", "SN", "ST", "SH", "TH"):
        days[dt.date(year, 10, 31)] = "Reformationstag"
    if state in ("BW", "BY", "NW", "RP", "SL"):
        days[dt.date(year, 11, 1)] = "Allerheiligen"
    if state == "SN":
        days[_buss_und_bettag(year)] = "Buß- und Bettag"
    return days
