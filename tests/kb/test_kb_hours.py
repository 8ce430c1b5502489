"""Opening hours: status, next opening, holidays, closures, Bürgermobil rules and DST (Europe/Berlin)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from assistant.kb import hours as H
from assistant.kb.holidays import public_holidays
from assistant.kb.schema import Hours

TZ = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
ST = "ST"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(scope="module")
def kleinwalde(kb) -> Hours:
    return kb.offices["kleinwalde_buergerbuero"].hours


@pytest.fixture(scope="module")
def bauamt(kb) -> Hours:
    return kb.offices["lra_bauamt"].hours  # Mo, Di, Do, Fr 08:00-12:00 (+ afternoons)


@pytest.fixture(scope="module")
def mobil(kb) -> Hours:
    return kb.offices["buergermobil"].hours


# ------------------------------------------------------------------ status of Kleinwalde's Bürgerbüro

def test_open_now(kleinwalde):
    now = at(2026, 11, 3, 10, 0)  # Tuesday
    cur = H.current_interval(kleinwalde, now, TZ, ST)
    assert cur is not None and (cur.start, cur.end) == (at(2026, 11, 3, 9), at(2026, 11, 3, 12))
    status = H.describe_status(kleinwalde, now, TZ, ST)
    assert status.startswith("Jetzt geöffnet") and "12 Uhr" in status


def test_open_now_with_frozen_clock(kleinwalde):
    with freeze_time("2026-11-05 16:59:00"):  # UTC -> 17:59 in Berlin, Thursday
        now = dt.datetime.now(TZ)
        assert now.hour == 17
        assert H.current_interval(kleinwalde, now, TZ, ST) is not None
        assert "18 Uhr" in H.describe_status(kleinwalde, now, TZ, ST)


def test_end_of_interval_is_exclusive(kleinwalde):
    now = at(2026, 11, 5, 18, 0)  # Thursday, closing time
    assert H.current_interval(kleinwalde, now, TZ, ST) is None
    nxt = H.next_opening(kleinwalde, now, TZ, ST)
    assert nxt is not None and nxt.start == at(2026, 11, 10, 9)
    status = H.describe_status(kleinwalde, now, TZ, ST)
    assert status.startswith("Jetzt geschlossen") and "Dienstag, 9 Uhr" in status


@pytest.mark.parametrize("now, expected_start, words", [
    (at(2026, 11, 2, 10), at(2026, 11, 3, 9), "morgen um 9 Uhr"),         # Monday -> Tuesday
    (at(2026, 11, 5, 13), at(2026, 11, 5, 14), "heute um 14 Uhr"),        # Thursday before opening
    (at(2026, 11, 3, 12), at(2026, 11, 5, 14), "Donnerstag, 14 Uhr"),     # Tuesday after closing
    (at(2026, 11, 3, 8, 59), at(2026, 11, 3, 9), "heute um 9 Uhr"),
])
def test_closed_with_next_opening(kleinwalde, now, expected_start, words):
    assert H.current_interval(kleinwalde, now, TZ, ST) is None
    nxt = H.next_opening(kleinwalde, now, TZ, ST)
    assert nxt is not None and nxt.start == expected_start
    status = H.describe_status(kleinwalde, now, TZ, ST)
    assert status.startswith("Jetzt geschlossen") and words in status


def test_next_opening_skips_current_interval(kleinwalde):
    nxt = H.next_opening(kleinwalde, at(2026, 11, 3, 10), TZ, ST)
    assert nxt is not None and nxt.start == at(2026, 11, 5, 14)


def test_next_opening_accepts_utc_now(kleinwalde):
    # Monday 23:30 UTC is already Tuesday 00:30 in Berlin
    nxt = H.next_opening(kleinwalde, dt.datetime(2026, 11, 2, 23, 30, tzinfo=UTC), TZ, ST)
    assert nxt is not None and nxt.start == at(2026, 11, 3, 9)


# ------------------------------------------------------------------ holidays and closures

def test_heilige_drei_koenige_closes_tuesday(kleinwalde):
    day = dt.date(2026, 1, 6)  # Tuesday
    assert H.intervals_on(kleinwalde, day, TZ, ST) == []
    assert "Heilige Drei Könige" in (H.closure_reason(kleinwalde, day, ST) or "")
    nxt = H.next_opening(kleinwalde, at(2026, 1, 5, 10), TZ, ST)
    assert nxt is not None and nxt.start == at(2026, 1, 8, 14)
    # the same Tuesday is a normal working day in Sachsen (no Heilige Drei Könige there)
    assert H.intervals_on(kleinwalde, day, TZ, "SN")


@pytest.mark.parametrize("day, name", [(dt.date(2026, 4, 3), "Karfreitag"), (dt.date(2026, 4, 6), "Ostermontag"),
                                       (dt.date(2025, 10, 31), "Reformationstag")])
def test_holidays_close_the_kreishaus(bauamt, day, name):
    assert H.regular_ranges(bauamt, day)  # it would open on that weekday
    assert H.intervals_on(bauamt, day, TZ, ST) == []
    assert name in (H.closure_reason(bauamt, day, ST) or "")


def test_easter_week_opening_around_the_holidays(bauamt):
    assert H.intervals_on(bauamt, dt.date(2026, 4, 2), TZ, ST)  # Maundy Thursday: open
    nxt = H.next_opening(bauamt, at(2026, 4, 2, 16), TZ, ST)
    assert nxt is not None and nxt.start == at(2026, 4, 7, 8)  # after Karfreitag, weekend, Ostermontag


def test_reformationstag_2026_closes_an_office_open_on_saturdays():
    hours = Hours(weekly={"sa": ["09:00-12:00"]})
    assert H.intervals_on(hours, dt.date(2026, 10, 31), TZ, ST) == []
    assert H.intervals_on(hours, dt.date(2026, 10, 24), TZ, ST)
    assert H.intervals_on(hours, dt.date(2026, 10, 31), TZ, "BY")  # no Reformationstag in Bayern


def test_buss_und_bettag_only_closes_in_sachsen(mobil):
    day = dt.date(2026, 11, 18)  # 3rd Wednesday: Bürgermobil visit
    assert [i.start for i in H.intervals_on(mobil, day, TZ, ST)] == [at(2026, 11, 18, 13)]
    assert H.intervals_on(mobil, day, TZ, "SN") == []


def test_holidays_ignored_when_office_opens_on_them():
    hours = Hours(weekly={"di": ["09:00-12:00"]}, closed_on_public_holidays=False)
    assert H.intervals_on(hours, dt.date(2026, 1, 6), TZ, ST)


def test_closures_single_day_and_range(kleinwalde):
    assert H.intervals_on(kleinwalde, dt.date(2026, 12, 24), TZ, ST) == []  # Thursday, Heiligabend
    assert H.closure_reason(kleinwalde, dt.date(2026, 12, 24), ST) == "Heiligabend"
    for day in (dt.date(2026, 8, 4), dt.date(2026, 8, 13), dt.date(2026, 8, 20)):  # first, middle, last day
        assert H.intervals_on(kleinwalde, day, TZ, ST) == []
        assert "Urlaub" in (H.closure_reason(kleinwalde, day, ST) or "")
    assert H.intervals_on(kleinwalde, dt.date(2026, 8, 25), TZ, ST)
    nxt = H.next_opening(kleinwalde, at(2026, 8, 1, 10), TZ, ST)
    assert nxt is not None and nxt.start == at(2026, 8, 25, 9)
    status = H.describe_status(kleinwalde, at(2026, 8, 1, 10), TZ, ST)
    assert "25. August" in status  # more than a week away: the date is named


# ------------------------------------------------------------------ Bürgermobil monthly rules

def _expected_mobil_start(day: dt.date) -> dt.time | None:
    """Independent oracle for the data: Mo 2nd/4th 09:00, Mi 1st/3rd 13:00 (before holidays/closures)."""
    if day.weekday() == 0 and (8 <= day.day <= 14 or 22 <= day.day <= 28):
        return dt.time(9)
    if day.weekday() == 2 and (1 <= day.day <= 7 or 15 <= day.day <= 21):
        return dt.time(13)
    return None


def test_buergermobil_dates_for_a_whole_year(mobil):
    holidays = public_holidays(2026, ST)
    closed = {dt.date(2026, 12, 28)} | {dt.date(2026, 7, 27) + dt.timedelta(days=i) for i in range(12)}
    day = dt.date(2026, 1, 1)
    seen = 0
    while day.year == 2026:
        got = [i.start for i in H.intervals_on(mobil, day, TZ, ST)]
        if day == dt.date(2026, 5, 26):  # special replacement date after Pfingstmontag
            expected = [at(2026, 5, 26, 9)]
        else:
            start = _expected_mobil_start(day)
            expected = [] if start is None or day in holidays or day in closed else [
                dt.datetime.combine(day, start, tzinfo=TZ)]
        assert got == expected, day
        seen += bool(got)
        day += dt.timedelta(days=1)
    assert seen > 40


def test_buergermobil_march_2026(mobil):
    dates = H.upcoming_dates(mobil, at(2026, 3, 1), TZ, ST, limit=4)
    assert [i.start.date() for i in dates] == [dt.date(2026, 3, 4), dt.date(2026, 3, 9), dt.date(2026, 3, 18),
                                               dt.date(2026, 3, 23)]
    assert H.intervals_on(mobil, dt.date(2026, 3, 30), TZ, ST) == []  # 5th Monday
    assert H.intervals_on(mobil, dt.date(2026, 3, 2), TZ, ST) == []  # 1st Monday


def test_pfingstmontag_visit_replaced_by_special_date_with_place(mobil):
    assert H.intervals_on(mobil, dt.date(2026, 5, 25), TZ, ST) == []  # 4th Monday, but holiday
    special = H.intervals_on(mobil, dt.date(2026, 5, 26), TZ, ST)
    assert len(special) == 1 and special[0].place and "Eichenbrück" in special[0].place


def test_last_weekday_rule():
    hours = Hours(monthly=[{"weekday": "fr", "nth": [-1], "hours": ["10:00-11:00"]}],
                  closed_on_public_holidays=False)  # 25.12.2026 is the last Friday of December
    days = [d for d in (dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(365))
            if H.intervals_on(hours, d, TZ, "BY")]
    assert len(days) == 12
    for d in days:
        assert d.weekday() == 4 and (d + dt.timedelta(days=7)).month != d.month


def test_weekly_lines_text(kleinwalde, mobil):
    assert H.weekly_lines(kleinwalde) == ["Dienstag: 9:00–12:00 Uhr", "Donnerstag: 14:00–18:00 Uhr"]
    assert H.weekly_lines(mobil) == [
        "jeden 2. und 4. Montag im Monat: 9:00–12:00 Uhr (Dorfgemeinschaftshaus Eichenbrück, Lindenstraße 2, Eichenbrück)",
        "jeden 1. und 3. Mittwoch im Monat: 13:00–16:00 Uhr (Feuerwehrhaus Lindenau, Am Spritzenhaus 1, Auental)"]


def test_no_hours_at_all():
    hours = Hours()
    assert H.next_opening(hours, at(2026, 1, 1), TZ, ST) is None
    assert "keine Öffnungszeit" in H.describe_status(hours, at(2026, 1, 1), TZ, ST)


# ------------------------------------------------------------------ daylight saving time

@pytest.mark.parametrize("day, offset_h", [
    (dt.date(2026, 3, 27), 1),   # Friday before the March change
    (dt.date(2026, 3, 30), 2),   # Monday after (DST began Sunday 29.3.)
    (dt.date(2026, 10, 23), 2),  # Friday before the October change
    (dt.date(2026, 10, 26), 1),  # Monday after (DST ended Sunday 25.10.)
])
def test_intervals_around_dst_have_right_offset_and_length(bauamt, day, offset_h):
    intervals = H.intervals_on(bauamt, day, TZ, ST)
    assert intervals
    first = intervals[0]
    assert first.start.utcoffset() == dt.timedelta(hours=offset_h)
    assert first.end.utcoffset() == dt.timedelta(hours=offset_h)
    start_utc = first.start.astimezone(UTC)
    assert start_utc == dt.datetime.combine(day, dt.time(8 - offset_h), tzinfo=UTC)
    assert first.end.astimezone(UTC) - start_utc == dt.timedelta(hours=4)
    assert first.start.isoformat().endswith(f"+0{offset_h}:00")


def test_next_opening_across_march_dst_weekend(bauamt):
    for now in (at(2026, 3, 27, 13), at(2026, 3, 29, 2, 30), dt.datetime(2026, 3, 29, 12, tzinfo=UTC)):
        nxt = H.next_opening(bauamt, now, TZ, ST)
        assert nxt is not None
        assert nxt.start.astimezone(UTC) == dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
        assert nxt.start.astimezone(TZ).hour == 8
    assert "morgen um 8 Uhr" in H.describe_status(bauamt, at(2026, 3, 29, 12), TZ, ST)


def test_next_opening_across_october_dst_weekend(bauamt, mobil):
    nxt = H.next_opening(bauamt, at(2026, 10, 23, 13), TZ, ST)
    assert nxt is not None and nxt.start.astimezone(UTC) == dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    # 26.10.2026 is the 4th Monday: the Bürgermobil comes at 09:00 CET = 08:00 UTC
    visit = H.next_opening(mobil, at(2026, 10, 24, 12), TZ, ST)
    assert visit is not None and visit.start.astimezone(UTC) == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_status_is_right_in_absolute_time_after_dst_change(bauamt):
    # 06:30 UTC on Monday 30.3. is 08:30 CEST: open. 06:30 UTC on Monday 26.10. is 07:30 CET: not yet open.
    assert H.current_interval(bauamt, dt.datetime(2026, 3, 30, 6, 30, tzinfo=UTC), TZ, ST) is not None
    assert H.current_interval(bauamt, dt.datetime(2026, 10, 26, 6, 30, tzinfo=UTC), TZ, ST) is None
    assert H.current_interval(bauamt, dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC), TZ, ST) is not None


def test_interval_spanning_the_dst_switch_is_shorter_in_absolute_time():
    hours = Hours(weekly={"so": ["01:00-04:00"]})
    (night,) = H.intervals_on(hours, dt.date(2026, 3, 29), TZ, "BY")
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == dt.timedelta(hours=2)
    (night,) = H.intervals_on(hours, dt.date(2026, 10, 25), TZ, "BY")
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == dt.timedelta(hours=4)
