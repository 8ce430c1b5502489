"""Candidate slots from the office data: opening days, grid, lead time, holidays, closures."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from booking_support import with_office_changes

from assistant.booking import slots as S
from assistant.kb.schema import Hours

TZ = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def test_grid_and_lengths(kb):
    kw = kb.offices["kleinwalde_buergerbuero"]
    assert S.grid_minutes(kw) == 5  # gcd(15, 20, 15, 10)
    assert S.slot_minutes(kw, "personalausweis") == 20
    assert S.slot_minutes(kw, "meldebescheinigung") == kw.booking.default_slot_minutes
    assert S.grid_minutes(kb.offices["buergermobil_lindenau"]) == 15
    cells = S.cells(kw, at(2026, 11, 3, 9), 20)
    assert cells == [dt.datetime(2026, 11, 3, 8, m, tzinfo=UTC) for m in (0, 5, 10, 15)]


def test_kleinwalde_slots_only_on_opening_days(kb):
    kw = kb.offices["kleinwalde_buergerbuero"]
    slots = list(S.candidate_slots(kw, "personalausweis", at(2026, 11, 2, 6), TZ, "ST", days=28))
    assert slots
    for slot in slots:
        local = slot.start.astimezone(TZ)
        assert local.weekday() in (1, 3)  # Tuesday, Thursday
        end = slot.end.astimezone(TZ)
        if local.weekday() == 1:
            assert dt.time(9) <= local.time() and end.time() <= dt.time(12)
        else:
            assert dt.time(14) <= local.time() and end.time() <= dt.time(18)
        assert slot.end - slot.start == dt.timedelta(minutes=20)
        assert local.minute % 5 == 0
    tuesday = [s for s in slots if s.start.date() == dt.date(2026, 11, 3)]
    assert tuesday[0].start == at(2026, 11, 3, 9) and tuesday[-1].end == at(2026, 11, 3, 12)
    assert len(tuesday) == (180 - 20) // 5 + 1
    assert {s.start.date() for s in slots} == {dt.date(2026, 11, d) for d in (3, 5, 10, 12, 17, 19, 24, 26)}


def test_lead_time_removes_slots_too_soon(kb):
    kw = kb.offices["kleinwalde_buergerbuero"]
    now = at(2026, 11, 3, 9, 30)
    first = next(S.candidate_slots(kw, "personalausweis", now, TZ, "ST"))
    assert first.start == at(2026, 11, 3, 11, 30)  # two hours later


def test_holiday_removes_slots(kb):
    kw = kb.offices["kleinwalde_buergerbuero"]
    slots = list(S.candidate_slots(kw, "personalausweis", at(2026, 1, 1, 0), TZ, "ST", days=14))
    days = {s.start.date() for s in slots}
    assert dt.date(2026, 1, 6) not in days  # Heilige Drei Könige (Tuesday)
    assert days == {dt.date(2026, 1, 8), dt.date(2026, 1, 13), dt.date(2026, 1, 15)}


def test_closures_remove_slots(kb):
    kw = kb.offices["kleinwalde_buergerbuero"]
    summer = {s.start.date() for s in S.candidate_slots(kw, "personalausweis", at(2026, 8, 1), TZ, "ST", days=30)}
    assert min(summer) == dt.date(2026, 8, 25)  # holiday closure 4.-20.8.
    december = {s.start.date() for s in S.candidate_slots(kw, "personalausweis", at(2026, 12, 20), TZ, "ST", days=12)}
    assert dt.date(2026, 12, 24) not in december and dt.date(2026, 12, 31) not in december
    assert dt.date(2026, 12, 22) in december and dt.date(2026, 12, 29) in december


def test_buergermobil_slots_only_on_its_visit_dates(kb):
    # each stop offers slots only on its own visit dates; the service itself takes no bookings
    assert not list(S.candidate_slots(kb.offices["buergermobil"], "personalausweis", at(2026, 3, 1), TZ, "ST"))
    lindenau = list(S.candidate_slots(kb.offices["buergermobil_lindenau"], "personalausweis", at(2026, 3, 1), TZ,
                                      "ST", days=60))
    eichenbrueck = list(S.candidate_slots(kb.offices["buergermobil_eichenbrueck"], "personalausweis",
                                          at(2026, 3, 1), TZ, "ST", days=60))
    assert {s.start.date() for s in lindenau} == {dt.date(2026, 3, 4), dt.date(2026, 3, 18), dt.date(2026, 4, 1),
                                                  dt.date(2026, 4, 15)}
    # 6.4. (Ostermontag) is a 1st Monday anyway
    assert {s.start.date() for s in eichenbrueck} == {dt.date(2026, 3, 9), dt.date(2026, 3, 23),
                                                      dt.date(2026, 4, 13), dt.date(2026, 4, 27)}
    assert all(s.office_id == "buergermobil_lindenau" for s in lindenau)
    for s in lindenau + eichenbrueck:
        local = s.start.astimezone(TZ)
        assert (local.weekday(), local.hour >= 13) in ((0, False), (2, True))
        assert s.end - s.start == dt.timedelta(minutes=15)


def test_office_without_booking_has_no_slots(kb):
    assert kb.offices["lra_abfallwirtschaft"].booking is None
    assert list(S.candidate_slots(kb.offices["lra_abfallwirtschaft"], "sperrmuell", at(2026, 11, 2), TZ, "ST")) == []
    disabled = with_office_changes(kb, "kleinwalde_buergerbuero", enabled=False)
    assert list(S.candidate_slots(disabled.offices["kleinwalde_buergerbuero"], "personalausweis",
                                  at(2026, 11, 2), TZ, "ST")) == []


def test_booking_hours_replace_opening_hours(kb):
    changed = with_office_changes(kb, "kleinwalde_buergerbuero", hours=Hours(weekly={"do": ["15:00-16:00"]}))
    office = changed.offices["kleinwalde_buergerbuero"]
    slots = list(S.candidate_slots(office, "hund_anmelden", at(2026, 11, 2), TZ, "ST", days=7))
    assert {s.start.date() for s in slots} == {dt.date(2026, 11, 5)}
    assert min(s.start for s in slots) == at(2026, 11, 5, 15)
    assert max(s.end for s in slots) == at(2026, 11, 5, 16)


def test_slot_key_is_utc_and_survives_dst(kb):
    bauamt = kb.offices["lra_bauamt"]
    after_march = next(S.candidate_slots(bauamt, "bauantrag", at(2026, 3, 28, 12), TZ, "ST"))
    assert after_march.start == at(2026, 3, 30, 8)
    assert after_march.key == "lra_bauamt|20260330T0600Z"
    assert after_march.end.astimezone(UTC) - after_march.start.astimezone(UTC) == dt.timedelta(minutes=45)
    after_october = next(S.candidate_slots(bauamt, "bauantrag", at(2026, 10, 24, 12), TZ, "ST"))
    assert after_october.key == "lra_bauamt|20261026T0700Z"
