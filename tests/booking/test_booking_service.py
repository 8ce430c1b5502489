"""Booking operations on SQLite and a real PostgreSQL server: offer, book, cancel, reschedule,
restart safety, reminders, purge and booking codes."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from booking_support import with_office_changes
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from assistant.booking import service as B
from assistant.booking.models import Appointment, CallbackRequest, SlotClaim
from assistant.booking.preferences import parse as parse_pref
from assistant.db import create_all, make_engine

TZ = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
KW = "kleinwalde_buergerbuero"
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)  # Monday; Kleinwalde opens Tue 9-12, Thu 14-18


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def count(sm, model) -> int:
    with sm() as s:
        return s.scalar(select(func.count()).select_from(model))


def offered(sm, kb, office=KW, service="personalausweis", now=NOW, pref=None, **kw):
    with sm() as s:
        return [slot.start for slot in B.offer(s, kb, office, service, now, TZ, pref, **kw)]


# ------------------------------------------------------------------ offer

def test_offer_gives_next_free_slots_one_per_half_day(sm, kb):
    starts = offered(sm, kb)
    assert starts == [at(2026, 11, 3, 9), at(2026, 11, 5, 14), at(2026, 11, 10, 9), at(2026, 11, 12, 14)]


def test_offer_with_preference(sm, kb):
    pref = parse_pref("lieber Donnerstag nachmittag", NOW.date())
    starts = offered(sm, kb, pref=pref)
    assert starts and all(s.weekday() == 3 and s.hour >= 14 for s in starts)
    assert len({s.date() for s in starts}) < len(starts)  # up to two per half day with a wish
    assert offered(sm, kb, pref=parse_pref("am 3.12.", NOW.date())) == [at(2026, 12, 3, 14), at(2026, 12, 3, 14, 5)]
    assert offered(sm, kb, pref=parse_pref("am Montag", NOW.date())) == []  # never open on Mondays


def test_offer_for_buergermobil_only_on_visit_days(sm, kb):
    # slots at one stop only: Lindenau (1st/3rd Wednesday), never Eichenbrück's Mondays
    starts = offered(sm, kb, office="buergermobil_lindenau", limit=4)
    assert [s.date() for s in starts] == [dt.date(2026, 11, 4), dt.date(2026, 11, 18), dt.date(2026, 12, 2),
                                          dt.date(2026, 12, 16)]
    starts = offered(sm, kb, office="buergermobil_eichenbrueck", limit=3)
    assert [s.date() for s in starts] == [dt.date(2026, 11, 9), dt.date(2026, 11, 23), dt.date(2026, 12, 14)]


# ------------------------------------------------------------------ book / cancel / reschedule

def test_book_returns_code_and_stores_appointment(sm, kb):
    b = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ, channel="web")
    assert len(b.code) == 6 and set(b.code) <= set(B.CODE_ALPHABET)
    assert (b.start, b.end) == (at(2026, 11, 3, 9), at(2026, 11, 3, 9, 20))
    with sm() as s:
        appt = B.get(s, b.code.lower())  # codes are case-insensitive
        assert appt is not None
        assert B.utc(appt.start) == at(2026, 11, 3, 9)
        assert B.utc(appt.end) == at(2026, 11, 3, 9, 20)
        assert (appt.office_id, appt.service_slug, appt.channel, appt.name) == (KW, "personalausweis", "web", None)
    assert count(sm, SlotClaim) == 4  # 20 minutes on a 5-minute grid
    assert at(2026, 11, 3, 9) not in offered(sm, kb)
    assert offered(sm, kb)[0] == at(2026, 11, 3, 9, 20)


def test_same_slot_twice_is_taken(sm, kb):
    B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    with pytest.raises(B.SlotTaken):
        B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    # an overlapping shorter appointment is taken too, the next free one is not
    with pytest.raises(B.SlotTaken):
        B.book(sm, kb, KW, "hund_anmelden", at(2026, 11, 3, 9, 10), NOW, TZ)
    B.book(sm, kb, KW, "hund_anmelden", at(2026, 11, 3, 9, 20), NOW, TZ)
    assert count(sm, Appointment) == 2


def test_second_counter_takes_a_parallel_booking(sm, kb):
    two = with_office_changes(kb, KW, counters=2)
    a = B.book(sm, two, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    b = B.book(sm, two, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    with sm() as s:
        assert {B.get(s, a.code).counter, B.get(s, b.code).counter} == {1, 2}
    with pytest.raises(B.SlotTaken):
        B.book(sm, two, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)


@pytest.mark.parametrize("start, why", [
    (at(2026, 11, 2, 11), "Monday: closed"),
    (at(2026, 11, 3, 9, 3), "not on the grid"),
    (at(2026, 11, 3, 11, 50), "would end after closing"),
    (at(2026, 10, 27, 9), "in the past (a Tuesday)"),
    (at(2026, 12, 24, 14), "closure Heiligabend"),
])
def test_invalid_slots_are_refused(sm, kb, start, why):
    with pytest.raises(B.BookingError):
        B.book(sm, kb, KW, "personalausweis", start, NOW, TZ)
    assert count(sm, Appointment) == 0, why


def test_lead_time_is_enforced(sm, kb):
    now = at(2026, 11, 3, 9, 30)
    with pytest.raises(B.BookingError):
        B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 10), now, TZ)
    B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 11, 30), now, TZ)


def test_office_without_booking_is_refused(sm, kb):
    with pytest.raises(B.BookingError):
        B.book(sm, kb, "lra_abfallwirtschaft", "sperrmuell", at(2026, 11, 3, 9), NOW, TZ)
    with pytest.raises(B.BookingError):
        B.book(sm, kb, "gibt_es_nicht", "personalausweis", at(2026, 11, 3, 9), NOW, TZ)


def test_cancel_frees_the_slot(sm, kb):
    b = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    assert at(2026, 11, 3, 9) not in offered(sm, kb)
    cancelled = B.cancel(sm, b.code)
    assert cancelled is not None and cancelled.code == b.code and cancelled.start == at(2026, 11, 3, 9)
    assert count(sm, Appointment) == 0 and count(sm, SlotClaim) == 0
    assert offered(sm, kb)[0] == at(2026, 11, 3, 9)
    assert B.cancel(sm, b.code) is None  # twice: nothing left
    B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)  # bookable again


def test_reschedule_keeps_code_and_frees_old_slot(sm, kb):
    b = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ, channel="telegram",
               reminder_target="12345")
    moved = B.reschedule(sm, kb, b.code, at(2026, 11, 5, 15), NOW, TZ)
    assert moved.code == b.code
    assert moved.start == at(2026, 11, 5, 15)
    with sm() as s:
        rows = list(s.scalars(select(Appointment)))
        assert len(rows) == 1
        assert rows[0].code == b.code and B.utc(rows[0].start) == at(2026, 11, 5, 15)
        assert (rows[0].channel, rows[0].reminder_target) == ("telegram", "12345")
    assert count(sm, SlotClaim) == 4
    assert offered(sm, kb)[0] == at(2026, 11, 3, 9)  # old slot free again
    with pytest.raises(B.SlotTaken):  # new slot is taken
        B.book(sm, kb, KW, "personalausweis", at(2026, 11, 5, 15), NOW, TZ)


def test_reschedule_unknown_code(sm, kb):
    with pytest.raises(B.BookingError):
        B.reschedule(sm, kb, "ZZZ999", at(2026, 11, 5, 15), NOW, TZ)


def test_reschedule_into_taken_slot_keeps_old_appointment(sm, kb):
    a = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    B.book(sm, kb, KW, "personalausweis", at(2026, 11, 5, 15), NOW, TZ)
    with pytest.raises(B.SlotTaken):
        B.reschedule(sm, kb, a.code, at(2026, 11, 5, 15), NOW, TZ)
    with sm() as s:
        assert B.utc(B.get(s, a.code).start) == at(2026, 11, 3, 9)
    assert count(sm, Appointment) == 2


def test_appointment_survives_engine_restart(db_url, kb):
    engine = make_engine(db_url)
    create_all(engine)
    b = B.book(sessionmaker(engine, expire_on_commit=False), kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    engine.dispose()
    fresh = make_engine(db_url)
    try:
        sm2 = sessionmaker(fresh, expire_on_commit=False)
        with sm2() as s:
            appt = B.get(s, b.code)
            assert appt is not None and B.utc(appt.start) == at(2026, 11, 3, 9)
        with pytest.raises(B.SlotTaken):
            B.book(sm2, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    finally:
        fresh.dispose()


# ------------------------------------------------------------------ lists, reminders, purge

def test_day_list_and_due_reminders(sm, kb):
    a = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 5, 14), NOW, TZ, reminder_target="42")
    B.book(sm, kb, KW, "hund_anmelden", at(2026, 11, 5, 15), NOW, TZ)  # no reminder target
    B.book(sm, kb, KW, "personalausweis", at(2026, 11, 10, 9), NOW, TZ, reminder_target="43")
    with sm() as s:
        assert [x.code for x in B.day_list(s, KW, dt.date(2026, 11, 5), TZ)][0] == a.code
        assert len(B.day_list(s, KW, dt.date(2026, 11, 5), TZ)) == 2
        due = B.due_reminders(s, at(2026, 11, 4, 18), TZ)
        assert [x.code for x in due] == [a.code]
        B.mark_reminded(s, due[0].id, at(2026, 11, 4, 18))
    with sm() as s:
        assert B.due_reminders(s, at(2026, 11, 4, 18), TZ) == []


def test_purge_removes_only_old_appointments_and_callbacks(sm, kb):
    old = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
    new = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 26, 14), NOW, TZ)
    with sm() as s:
        B.add_callback(s, KW, "Personalausweis", "0345 123456", "vormittags", at(2026, 11, 2, 10))
        B.add_callback(s, KW, "Reisepass", "0345 654321", "egal", at(2026, 11, 25, 10))
    purge_now = at(2026, 11, 24, 12)  # 14 days retention: the 3.11. appointment/2.11. callback are older
    with sm() as s:
        assert B.purge(s, purge_now, 14) == 2
    with sm() as s:
        assert B.get(s, old.code) is None
        assert B.get(s, new.code) is not None
        assert [c.phone for c in s.scalars(select(CallbackRequest))] == ["0345 654321"]
        claims = list(s.scalars(select(SlotClaim)))
        assert claims and all(c.appointment_id == B.get(s, new.code).id for c in claims)


# ------------------------------------------------------------------ codes

@pytest.mark.parametrize("text, code", [("Mein Code ist K7M2QP", "K7M2QP"), ("code: k7m-2qp", "K7M2QP"),
                                        ("K7M2QP", "K7M2QP"), ("Termin absagen bitte", None), ("", None)])
def test_normalize_code(text, code):
    assert B.normalize_code(text) == code


def test_new_codes_avoid_ambiguous_characters():
    codes = {B.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert not set("".join(codes)) & set("01IO")


def test_every_issued_code_is_recognised_in_text():
    codes = [B.new_code() for _ in range(2000)]
    unrecognised = [c for c in codes if B.normalize_code(f"Mein Code ist {c}") != c]
    assert unrecognised == []


# ------------------------------------------------------------------ PostgreSQL specifics

@pytest.mark.postgres
def test_postgres_server_in_berlin_time_zone_keeps_times(kb):
    import pgserver

    if pgserver.find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries not installed")
    url = pgserver.get_server().create_database({"timezone": "Europe/Berlin"})
    engine = make_engine(url)
    try:
        create_all(engine)
        sm = sessionmaker(engine, expire_on_commit=False)
        b = B.book(sm, kb, KW, "personalausweis", at(2026, 11, 3, 9), NOW, TZ)
        assert at(2026, 11, 3, 9) not in offered(sm, kb)
        with sm() as s:
            assert B.utc(B.get(s, b.code).start) == at(2026, 11, 3, 9)
    finally:
        engine.dispose()
