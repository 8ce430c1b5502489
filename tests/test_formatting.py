"""German formatting of dates, times and money: here the exact text is the point."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant import formatting as f

NBSP = "\xa0"


def plain(text: str) -> str:
    """Compare texts independent of the kind of space babel puts before '€'."""
    return text.replace(NBSP, " ")


@pytest.mark.parametrize("day, name", [(dt.date(2026, 11, 30), "Montag"), (dt.date(2026, 12, 1), "Dienstag"),
                                       (dt.date(2026, 3, 29), "Sonntag")])
def test_weekday_name(day, name):
    assert f.weekday_name(day) == name
    assert f.WEEKDAY_NAMES[day.weekday()] == name


def test_dates():
    day = dt.date(2026, 12, 1)
    assert f.date_long(day) == "Dienstag, 1. Dezember 2026"
    assert f.date_medium(day) == "Dienstag, 1. Dezember"
    assert f.date_short(day) == "Di., 01.12."
    assert f.date_short(dt.date(2026, 3, 5)) == "Do., 05.03."
    assert f.date_medium(dt.date(2026, 3, 1)) == "Sonntag, 1. März"


def test_times():
    assert f.time_hm(dt.time(8, 0)) == "8:00"
    assert f.time_hm(dt.time(14, 5)) == "14:05"
    assert f.time_spoken(dt.time(8, 0)) == "8 Uhr"
    assert f.time_spoken(dt.time(8, 30)) == "8:30 Uhr"
    assert f.time_spoken(dt.time(0, 0)) == "0 Uhr"
    assert f.time_range(dt.time(8), dt.time(12)) == "8:00–12:00 Uhr"


def test_times_of_aware_datetimes_are_local_clock_time():
    start = dt.datetime(2026, 3, 30, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert f.time_hm(start) == "8:00"
    assert f.time_spoken(start) == "8 Uhr"


@pytest.mark.parametrize("amount, text", [(46, "46 €"), (46.0, "46 €"), (6, "6 €"), (0, "0 €"), (1500, "1.500 €"),
                                          (27.6, "27,60 €"), (10.2, "10,20 €"), (1234.5, "1.234,50 €")])
def test_money(amount, text):
    assert plain(f.money(amount)) == text


def test_money_range_whole_euros():
    assert plain(f.money_range(10, 20)) == "10 bis 20 €"
    assert plain(f.money_range(0, 150)) == "0 bis 150 €"
    assert plain(f.money_range(10, 20.5)) == "10 bis 20,50 €"


def test_money_range_with_cents_in_lower_bound():
    assert plain(f.money_range(27.6, 46)) == "27,60 bis 46 €"


def test_numbers():
    assert f.number(1234567) == "1.234.567"
    assert f.number(3.14159, 2) == "3,14"
    assert f.number(0.5, 1) == "0,5"
