"""Booking operations. Every write is one transaction; the database decides who wins a slot."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.booking import slots as slots_mod
from assistant.booking.models import Appointment, CallbackRequest, SlotClaim
from assistant.booking.preferences import Preference
from assistant.kb.loader import KnowledgeBase
from assistant.kb.schema import Office

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class SlotTaken(Exception):
    """Someone else booked this slot first."""


class BookingError(Exception):
    """Booking not possible (unknown office, slot outside hours, ...); message is German."""


def utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC datetime (SQLite returns naive values, which are stored as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _db(value: dt.datetime) -> dt.datetime:
    """What is written to the DB: UTC, without tzinfo, so SQLite and PostgreSQL compare alike."""
    return utc(value).replace(tzinfo=None)


def new_code() -> str:
    """Six characters from an unambiguous alphabet, always with at least one digit (so that
    :func:`normalize_code` can tell a code from an ordinary word)."""
    digits = "23456789"
    chars = [secrets.choice(CODE_ALPHABET) for _ in range(5)] + [secrets.choice(digits)]
    pos = secrets.randbelow(6)
    chars[pos], chars[5] = chars[5], chars[pos]
    return "".join(chars)


def normalize_code(text: str) -> Optional[str]:
    """Find a booking code in free text ('mein Code ist abc-234' -> 'ABC234')."""
    import re

    cleaned = text.upper().replace("-", "").replace(" ", "")
    m = re.search(rf"[{CODE_ALPHABET}]{{6}}", cleaned)
    # prefer explicit 6-char tokens in the original text
    for tok in re.findall(r"[A-Za-z0-9-]{6,7}", text):
        t = tok.upper().replace("-", "")
        if len(t) == 6 and all(c in CODE_ALPHABET for c in t) and any(c.isdigit() for c in t):
            return t
    return m.group(0) if m and any(c.isdigit() for c in m.group(0)) else None


@dataclass
class Booking:
    code: str
    office_id: str
    service: str
    start: dt.datetime
    end: dt.datetime


def _taken(session: Session, office_id: str, since: dt.datetime) -> set[tuple[dt.datetime, int]]:
    rows = session.execute(select(SlotClaim.cell_start, SlotClaim.counter)
                           .where(SlotClaim.office_id == office_id, SlotClaim.cell_start >= _db(since)))
    return {(utc(c), n) for c, n in rows}


def free_counter(office: Office, slot_cells: list[dt.datetime], taken: set[tuple[dt.datetime, int]]) -> Optional[int]:
    assert office.booking is not None
    for counter in range(1, office.booking.counters + 1):
        if all((c, counter) not in taken for c in slot_cells):
            return counter
    return None


def offer(session: Session, kb: KnowledgeBase, office_id: str, service: str, now: dt.datetime, tz: ZoneInfo,
          pref: Optional[Preference] = None, limit: int = 4, days: int = 60) -> list[slots_mod.Slot]:
    """The next free slots matching the preference, at most one per half day for variety."""
    office = kb.offices[office_id]
    taken = _taken(session, office_id, now)
    out: list[slots_mod.Slot] = []
    seen_halfdays: dict[tuple[dt.date, bool], int] = {}
    minutes = slots_mod.slot_minutes(office, service) if office.booking else 15
    for slot in slots_mod.candidate_slots(office, service, now, tz, kb.county.state, days=days):
        if pref and not pref.matches(slot.start):
            continue
        if free_counter(office, slots_mod.cells(office, slot.start, minutes), taken) is None:
            continue
        halfday = (slot.start.date(), slot.start.hour >= 12)
        if seen_halfdays.get(halfday, 0) >= (2 if pref and not pref.is_empty else 1):
            continue
        seen_halfdays[halfday] = seen_halfdays.get(halfday, 0) + 1
        out.append(slot)
        if len(out) >= limit:
            break
    return out


def _validate_slot(kb: KnowledgeBase, office_id: str, service: str, start: dt.datetime, now: dt.datetime,
                   tz: ZoneInfo) -> tuple[Office, slots_mod.Slot]:
    office = kb.offices.get(office_id)
    if office is None or office.booking is None or not office.booking.enabled:
        raise BookingError("Bei diesem Amt kann ich keine Termine buchen.")
    day_start = dt.datetime.combine(start.astimezone(tz).date(), dt.time(0), tzinfo=tz)
    for slot in slots_mod.candidate_slots(office, service, max(day_start, now), tz, kb.county.state, days=0):
        if slot.start == start.astimezone(tz):
            return office, slot
    raise BookingError("Diesen Termin gibt es nicht (mehr). Bitte wählen Sie einen anderen.")


def book(sm: sessionmaker, kb: KnowledgeBase, office_id: str, service: str, start: dt.datetime, now: dt.datetime,
         tz: ZoneInfo, channel: Optional[str] = None, reminder_target: Optional[str] = None,
         name: Optional[str] = None) -> Booking:
    """Book one slot. Raises SlotTaken if another booking got it first (decided by the DB)."""
    office, slot = _validate_slot(kb, office_id, service, start, now, tz)
    minutes = slots_mod.slot_minutes(office, service)
    slot_cells = slots_mod.cells(office, slot.start, minutes)
    assert office.booking is not None
    for counter in range(1, office.booking.counters + 1):
        for _attempt in range(3):  # code collisions are astronomically rare; retry anyway
            code = new_code()
            with sm() as session:
                appt = Appointment(code=code, office_id=office_id, service_slug=service, start=_db(slot.start),
                                   end=_db(slot.end), counter=counter, channel=channel,
                                   reminder_target=reminder_target, name=name,
                                   created_at=_db(dt.datetime.now(dt.timezone.utc)))
                appt.claims = [SlotClaim(office_id=office_id, cell_start=_db(c), counter=counter) for c in slot_cells]
                session.add(appt)
                try:
                    session.commit()
                    return Booking(code, office_id, service, slot.start, slot.end)
                except IntegrityError as exc:
                    session.rollback()
                    if "code" in str(exc.orig).lower() and "slot_claim" not in str(exc.orig).lower():
                        continue  # code collision: new code, same counter
                    break  # this counter is taken: try the next one
    raise SlotTaken()


def get(session: Session, code: str) -> Optional[Appointment]:
    return session.scalars(select(Appointment).where(Appointment.code == code.upper())).first()


def cancel(sm: sessionmaker, code: str) -> Optional[Booking]:
    """Delete the appointment (and its claims): the slot is free again. None if unknown."""
    with sm() as session:
        appt = get(session, code)
        if appt is None:
            return None
        booking = Booking(appt.code, appt.office_id, appt.service_slug, utc(appt.start), utc(appt.end))
        session.delete(appt)
        session.commit()
        return booking


def reschedule(sm: sessionmaker, kb: KnowledgeBase, code: str, start: dt.datetime, now: dt.datetime,
               tz: ZoneInfo) -> Booking:
    """Book the new slot first, then free the old one; the code stays the same."""
    with sm() as session:
        old = get(session, code)
        if old is None:
            raise BookingError("Zu diesem Buchungscode finde ich keinen Termin.")
        office_id, service = old.office_id, old.service_slug
        channel, target, name = old.channel, old.reminder_target, old.name
    new = book(sm, kb, office_id, service, start, now, tz, channel=channel, reminder_target=target, name=name)
    with sm() as session:
        old_row = get(session, code)
        new_row = get(session, new.code)
        if old_row is not None and new_row is not None:
            session.delete(old_row)
            session.flush()
            new_row.code = code
            session.commit()
    return Booking(code, office_id, service, new.start, new.end)


def day_list(session: Session, office_id: str, day: dt.date, tz: ZoneInfo) -> list[Appointment]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return list(session.scalars(select(Appointment).where(
        Appointment.office_id == office_id, Appointment.start >= _db(start), Appointment.start < _db(end))
        .order_by(Appointment.start, Appointment.counter)))


def due_reminders(session: Session, now: dt.datetime, tz: ZoneInfo) -> list[Appointment]:
    """Appointments tomorrow (local date) with a reminder target, not yet reminded."""
    tomorrow = now.astimezone(tz).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return list(session.scalars(select(Appointment).where(
        Appointment.reminder_target.is_not(None), Appointment.reminder_sent_at.is_(None),
        Appointment.start >= _db(start), Appointment.start < _db(end))))


def mark_reminded(session: Session, appointment_id: int, now: dt.datetime) -> None:
    appt = session.get(Appointment, appointment_id)
    if appt is not None:
        appt.reminder_sent_at = _db(now)
        session.commit()


def purge(session: Session, now: dt.datetime, retention_days: int) -> int:
    """Delete appointments that ended more than ``retention_days`` ago, and old callbacks."""
    cutoff = _db(now - dt.timedelta(days=retention_days))
    n = session.execute(delete(Appointment).where(Appointment.end < cutoff)).rowcount or 0
    n += session.execute(delete(CallbackRequest).where(CallbackRequest.created_at < cutoff)).rowcount or 0
    session.commit()
    return n


def set_callback_time(session: Session, callback_id: Optional[int], preferred_time: str) -> bool:
    """Record the resident's preferred time on a callback request; False if it no longer exists."""
    req = session.get(CallbackRequest, callback_id) if callback_id else None
    if req is None:
        return False
    req.preferred_time = preferred_time[:120]
    session.commit()
    return True


def delete_callback(session: Session, callback_id: int) -> None:
    session.execute(delete(CallbackRequest).where(CallbackRequest.id == callback_id))
    session.commit()


def add_callback(session: Session, office_id: Optional[str], topic: str, phone: str, preferred_time: str,
                 now: dt.datetime) -> CallbackRequest:
    req = CallbackRequest(office_id=office_id, topic=topic[:300], phone=phone[:40],
                          preferred_time=preferred_time[:120], created_at=_db(now))
    session.add(req)
    session.commit()
    return req
