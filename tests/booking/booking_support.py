"""Helpers for the booking tests (a plain module, also used inside the worker processes)."""
from __future__ import annotations

import copy
import datetime as dt
from zoneinfo import ZoneInfo


def with_office_changes(kb, office_id: str, **booking_changes):
    """A shallow copy of ``kb`` whose office ``office_id`` has changed booking settings."""
    office = kb.offices[office_id]
    assert office.booking is not None
    changed = office.model_copy(update={"booking": office.booking.model_copy(update=booking_changes)})
    new = copy.copy(kb)
    new.offices = {**kb.offices, office_id: changed}
    return new


def book_in_own_process(db_url, kb, office_id, service, start_iso, now_iso, barrier, results) -> None:
    """Own engine, wait for the others, then try to book; report the code or the exception name."""
    from sqlalchemy.orm import sessionmaker

    from assistant.booking.service import book
    from assistant.db import make_engine

    engine = make_engine(db_url)
    sm = sessionmaker(engine, expire_on_commit=False)
    tz = ZoneInfo("Europe/Berlin")
    try:
        barrier.wait(timeout=60)
        booking = book(sm, kb, office_id, service, dt.datetime.fromisoformat(start_iso),
                       dt.datetime.fromisoformat(now_iso), tz)
        results.put(("ok", booking.code))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", type(exc).__name__ + ": " + str(exc)[:200]))
    finally:
        engine.dispose()
