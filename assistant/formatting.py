"""All German formatting of dates, times, money and opening hours (babel, de_DE)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

LOCALE = "de_DE"
WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def weekday_name(day: dt.date) -> str:
    return format_date(day, "EEEE", locale=LOCALE)


def date_long(day: dt.date) -> str:
    """'Dienstag, 1. Dezember 2026'."""
    return format_date(day, "EEEE, d. MMMM y", locale=LOCALE)


def date_short(day: dt.date) -> str:
    """'Di., 01.12.'."""
    return format_date(day, "EEE, dd.MM.", locale=LOCALE)


def date_medium(day: dt.date) -> str:
    """'Dienstag, 1. Dezember'."""
    return format_date(day, "EEEE, d. MMMM", locale=LOCALE)


def time_hm(value: dt.time | dt.datetime) -> str:
    """'8:00' (no leading zero, as people write it)."""
    return format_time(value, "H:mm", locale=LOCALE)


def time_spoken(value: dt.time | dt.datetime) -> str:
    """'8 Uhr' for full hours, '8:30 Uhr' otherwise."""
    if value.minute == 0:
        return f"{value.hour} Uhr"
    return f"{time_hm(value)} Uhr"


def time_range(start: dt.time | dt.datetime, end: dt.time | dt.datetime) -> str:
    """'8:00–12:00 Uhr'."""
    return f"{time_hm(start)}–{time_hm(end)} Uhr"


def money(amount: float) -> str:
    """'46,00 €' / '6 €' for whole euros."""
    if float(amount).is_integer():
        return f"{format_decimal(amount, format='#,##0', locale=LOCALE)} €"
    return format_currency(amount, "EUR", locale=LOCALE)


def money_range(low: float, high: float) -> str:
    low_text = money(low).replace("\xa0€", "").replace(" €", "")
    return f"{low_text} bis {money(high)}"


def number(value: float, digits: Optional[int] = None) -> str:
    fmt = "#,##0" if digits is None else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt, locale=LOCALE)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with '…' when cut
    (button titles: "Unterlagen: Auto zulassen …", never "… umschreib")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(limit - 1, 1)  # one character for the ellipsis
    cut = text[:room + 1]
    space = cut.rfind(" ")
    head = cut[:space] if space > 0 else text[:room]
    words = head.rstrip(" ,;:–-/(").split(" ")
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()  # "… zulassen oder…" reads as if something was lost: end on a content word
    return " ".join(words).rstrip(" ,;:–-/(") + "…"


_DANGLING = {"und", "oder", "für", "fürs", "von", "vom", "mit", "zum", "zur", "im", "in", "am", "an", "bei",
             "beim", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "nach", "auf", "aus"}
