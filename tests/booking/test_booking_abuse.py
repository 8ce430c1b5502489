"""Booking cannot be abused: a forged slot is re-validated at confirmation (offer window,
opening hours, capacity) and one resident can hold only a few open appointments."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant.booking import service as B

TZ = ZoneInfo("Europe/Berlin")
KW = "kleinwalde_buergerbuero"
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)  # Monday; Kleinwalde opens Tue 9-12, Thu 14-18
LIMITS = B.OpenLimits(per_conversation=2, per_phone=3)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def free_slots(sm, kb, n=6):
    with sm() as s:
        return [slot.start for slot in B.offer(s, kb, KW, "personalausweis", NOW, TZ, limit=n)]


@pytest.mark.parametrize("start, words", [
    (at(2099, 12, 1, 9), "nächsten 60 Tage"),         # the forged slot of the issue (a Tuesday, inside hours)
    (at(2026, 11, 3, 9) + dt.timedelta(days=63), "nächsten 60 Tage"),  # just outside the offer window
    (at(2026, 10, 27, 9), "nächsten 60 Tage"),        # in the past
    (at(2026, 11, 3, 20), "gibt es nicht"),            # Tuesday evening: closed
    (at(2026, 11, 2, 10, 30), "gibt es nicht"),        # Monday: never open
    (at(2026, 11, 3, 9, 7), "gibt es nicht"),          # off the slot grid
])
def test_forged_slot_is_refused_in_german(sm, kb, start, words):
    with pytest.raises(B.BookingError) as err:
        B.book(sm, kb, KW, "personalausweis", start, NOW, TZ, limits=LIMITS)
    assert words in str(err.value)
    with sm() as s:
        assert B.open_appointments(s, NOW, conversation="web:x") == 0


def test_capacity_is_checked_at_confirmation(sm, kb):
    start = free_slots(sm, kb)[0]
    B.book(sm, kb, KW, "personalausweis", start, NOW, TZ, conversation="web:a", limits=LIMITS)
    with pytest.raises(B.SlotTaken):  # Kleinwalde has one counter: the same slot again is full
        B.book(sm, kb, KW, "personalausweis", start, NOW, TZ, conversation="web:b", limits=LIMITS)


def test_open_appointments_per_conversation(sm, kb):
    starts = free_slots(sm, kb)
    for start in starts[:2]:
        B.book(sm, kb, KW, "personalausweis", start, NOW, TZ, conversation="tg:42", limits=LIMITS)
    with pytest.raises(B.TooManyAppointments) as err:
        B.book(sm, kb, KW, "personalausweis", starts[2], NOW, TZ, conversation="tg:42", limits=LIMITS)
    assert "2 offene Termine" in str(err.value)
    # another resident is not affected; past appointments do not count
    B.book(sm, kb, KW, "personalausweis", starts[2], NOW, TZ, conversation="tg:43", limits=LIMITS)
    with sm() as s:
        assert B.open_appointments(s, NOW, conversation="tg:42") == 2
        assert B.open_appointments(s, at(2027, 3, 1, 9), conversation="tg:42") == 0


def test_cancelling_frees_the_budget(sm, kb):
    starts = free_slots(sm, kb)
    first = B.book(sm, kb, KW, "personalausweis", starts[0], NOW, TZ, conversation="web:c", limits=LIMITS)
    B.book(sm, kb, KW, "personalausweis", starts[1], NOW, TZ, conversation="web:c", limits=LIMITS)
    B.cancel(sm, first.code)
    B.book(sm, kb, KW, "personalausweis", starts[2], NOW, TZ, conversation="web:c", limits=LIMITS)


def test_open_appointments_per_phone_number_across_conversations(sm, kb):
    starts = free_slots(sm, kb)
    for i, phone in enumerate(["0345 1234567", "+49 345 1234567", "0345/123 45 67"]):
        B.book(sm, kb, KW, "personalausweis", starts[i], NOW, TZ, conversation=f"web:p{i}", phone=phone,
               limits=LIMITS)
    with pytest.raises(B.TooManyAppointments) as err:
        B.book(sm, kb, KW, "personalausweis", starts[3], NOW, TZ, conversation="web:p9", phone="03451234567",
               limits=LIMITS)
    assert "Telefonnummer" in str(err.value)
