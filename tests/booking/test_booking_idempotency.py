"""A confirmation delivered twice (double click, retry, two Rasa replicas) writes once and the
second delivery gets the first result. On SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from booking_support import with_office_changes
from sqlalchemy import func, select

from assistant.booking import idempotency
from assistant.booking import service as B
from assistant.booking.models import Appointment, CallbackRequest, IdempotentWrite

TZ = ZoneInfo("Europe/Berlin")
KW = "kleinwalde_buergerbuero"
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
SLOT = dt.datetime(2026, 11, 3, 9, 0, tzinfo=TZ)
LATER = dt.datetime(2026, 11, 3, 10, 0, tzinfo=TZ)


def _count(sm, model) -> int:
    with sm() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_key_depends_on_sender_flow_and_operation() -> None:
    k = idempotency.make_key("web-abc", "f1", "book")
    assert k == idempotency.make_key("web-abc", "f1", "book") and len(k) == 64
    assert len({k, idempotency.make_key("web-abd", "f1", "book"), idempotency.make_key("web-abc", "f2", "book"),
                idempotency.make_key("web-abc", "f1", "cancel")}) == 4
    assert idempotency.make_key("web-abc", None, "book") is None


def test_second_booking_with_same_key_returns_first(sm, kb) -> None:
    key = idempotency.make_key("s1", "flow1", "book")
    first = B.book(sm, kb, KW, "personalausweis", SLOT, NOW, TZ, idempotency_key=key)
    again = B.book(sm, kb, KW, "personalausweis", SLOT, NOW, TZ, idempotency_key=key)
    assert again == first
    assert _count(sm, Appointment) == 1
    # another flow of the same resident is another decision
    other = B.book(sm, kb, KW, "personalausweis", LATER, NOW, TZ, idempotency_key=idempotency.make_key("s1", "flow2", "book"))
    assert other.code != first.code and _count(sm, Appointment) == 2


@pytest.mark.parametrize("counters", [1, 2])
def test_same_confirmation_at_the_same_moment_books_once(sm, kb, counters) -> None:
    """Ten simultaneous deliveries of one "Ja": one appointment, all ten get its code - also
    when the office has a second counter the duplicates could otherwise take."""
    office_kb = with_office_changes(kb, KW, counters=counters)
    key = idempotency.make_key("s-double", "flow-x", "book")
    barrier = threading.Barrier(10)
    codes: list[str] = []
    errors: list[str] = []
    mutex = threading.Lock()

    def deliver() -> None:
        barrier.wait(timeout=30)
        try:
            code = B.book(sm, office_kb, KW, "personalausweis", SLOT, NOW, TZ, idempotency_key=key).code
            with mutex:
                codes.append(code)
        except Exception as exc:  # noqa: BLE001
            with mutex:
                errors.append(repr(exc))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(codes) == 10 and len(set(codes)) == 1
    assert _count(sm, Appointment) == 1


def test_repeated_cancellation_returns_first_result(sm, kb) -> None:
    booking = B.book(sm, kb, KW, "personalausweis", SLOT, NOW, TZ)
    key = idempotency.make_key("s2", "cflow", "cancel")
    first = B.cancel(sm, booking.code, idempotency_key=key, now=NOW)
    assert first is not None and first.code == booking.code
    assert B.cancel(sm, booking.code, idempotency_key=key, now=NOW) == first  # not "schon abgesagt"
    assert B.cancel(sm, booking.code) is None  # without a key: the honest "unknown"
    assert _count(sm, Appointment) == 0


def test_repeated_reschedule_moves_once(sm, kb) -> None:
    booking = B.book(sm, kb, KW, "personalausweis", SLOT, NOW, TZ)
    key = idempotency.make_key("s3", "rflow", "book")
    moved = B.reschedule(sm, kb, booking.code, LATER, NOW, TZ, idempotency_key=key)
    again = B.reschedule(sm, kb, booking.code, LATER, NOW, TZ, idempotency_key=key)
    assert moved.code == again.code == booking.code and again.start == moved.start == LATER
    with sm() as s:
        rows = list(s.scalars(select(Appointment)))
    assert [(r.code, B.utc(r.start)) for r in rows] == [(booking.code, LATER)]


def test_repeated_callback_request_is_stored_once(sm) -> None:
    key = idempotency.make_key("s4", "cb", "callback")
    with sm() as s:
        first = B.add_callback(s, None, "Ausweis", "0345 123456", "vormittags", NOW, idempotency_key=key)
        first_id = first.id
    with sm() as s:
        again = B.add_callback(s, None, "Ausweis", "0345 123456", "vormittags", NOW, idempotency_key=key)
        assert again.id == first_id
    assert _count(sm, CallbackRequest) == 1


def test_key_records_are_purged_with_the_bookings(sm, kb) -> None:
    B.book(sm, kb, KW, "personalausweis", SLOT, NOW, TZ, idempotency_key=idempotency.make_key("s5", "f", "book"))
    assert _count(sm, IdempotentWrite) == 1
    with sm() as s:
        B.purge(s, NOW + dt.timedelta(days=40), retention_days=14)
    assert _count(sm, IdempotentWrite) == 0
