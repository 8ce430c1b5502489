"""Time preferences in German free text."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant.booking.preferences import Preference, parse

TZ = ZoneInfo("Europe/Berlin")
TODAY = dt.date(2026, 11, 2)  # a Monday


def test_weekday_and_afternoon():
    p = parse("lieber Donnerstag nachmittag", TODAY)
    assert p.weekdays == {3}
    assert p.earliest_time == dt.time(12) and p.latest_time is None
    assert p.from_date is None and p.to_date is None
    assert p.matches(dt.datetime(2026, 11, 5, 14, tzinfo=TZ))
    assert not p.matches(dt.datetime(2026, 11, 5, 9, tzinfo=TZ))
    assert not p.matches(dt.datetime(2026, 11, 3, 14, tzinfo=TZ))


def test_next_week_is_monday_to_sunday():
    p = parse("nächste Woche", TODAY)
    assert (p.from_date, p.to_date) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert parse("naechste Woche", dt.date(2026, 11, 8)).from_date == dt.date(2026, 11, 9)  # from a Sunday
    assert (parse("übernächste Woche", TODAY).from_date, parse("übernächste Woche", TODAY).to_date) == (
        dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert parse("diese Woche", dt.date(2026, 11, 4)).to_date == dt.date(2026, 11, 8)


def test_as_early_as_possible_sets_no_constraint():
    p = parse("so früh wie möglich", TODAY)
    assert p.is_empty  # the earliest free slots are what the resident wants
    assert p.weekdays == set()  # 'so' is not read as Sonntag


@pytest.mark.parametrize("text, expected", [("ab 10 Uhr", dt.time(10)), ("nach 14 Uhr", dt.time(14)),
                                            ("ab 10:30", dt.time(10, 30))])
def test_earliest_time(text, expected):
    p = parse(text, TODAY)
    assert p.earliest_time == expected
    assert p.latest_time is None and not p.weekdays and p.from_date is None


def test_latest_time():
    assert parse("bis 11 Uhr", TODAY).latest_time == dt.time(11)
    assert parse("vormittags", TODAY).latest_time == dt.time(12)


def test_date_with_day_and_month():
    p = parse("am 3.12.", TODAY)
    assert p.from_date == p.to_date == dt.date(2026, 12, 3)
    assert p.earliest_time is None and p.latest_time is None
    # a date already past this year means next year
    assert parse("am 3.1.", TODAY).from_date == dt.date(2027, 1, 3)
    assert parse("am 3.12.2027", TODAY).from_date == dt.date(2027, 12, 3)
    assert parse("am 31.2.", TODAY).is_empty  # no such date: ignored


def test_relative_days():
    assert parse("morgen", TODAY).from_date == dt.date(2026, 11, 3)
    assert parse("übermorgen", TODAY).to_date == dt.date(2026, 11, 4)
    assert parse("heute noch", TODAY).from_date == TODAY
    morning = parse("morgens", TODAY)
    assert morning.from_date is None and morning.latest_time == dt.time(12)


def test_abbreviations_only_in_short_answers_or_with_am():
    assert parse("Do", TODAY).weekdays == {3}
    assert parse("am Di", TODAY).weekdays == {1}
    assert parse("das mache ich so oder so mit Mo und Di zusammen irgendwann", TODAY).weekdays == set()


def test_unknown_words_are_ignored():
    assert parse("Hallo, passt mir alles", TODAY).is_empty


def test_matches_date_range():
    p = Preference(from_date=dt.date(2026, 11, 9), to_date=dt.date(2026, 11, 15))
    assert p.matches(dt.datetime(2026, 11, 9, 8, tzinfo=TZ))
    assert p.matches(dt.datetime(2026, 11, 15, 8, tzinfo=TZ))
    assert not p.matches(dt.datetime(2026, 11, 16, 8, tzinfo=TZ))


def test_from_a_date_is_not_a_time():
    p = parse("ab 10.12.", TODAY)
    assert p.earliest_time is None
    assert p.from_date == dt.date(2026, 12, 10)
    assert p.to_date is None or p.to_date > dt.date(2026, 12, 10)


def test_negated_weekday_is_not_selected():
    assert 0 not in parse("nicht am Montag", TODAY).weekdays
