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
from sqlalchemy.orm.exc import StaleDataError

from assistant.booking import idempotency
from assistant.booking import slots as slots_mod
from assistant.booking.models import (Appointment, AppointmentOwner, CallbackRequest, HeldName, IdempotentWrite,
                                      SlotClaim)
from assistant.booking.preferences import Preference
from assistant.kb.loader import KnowledgeBase
from assistant.kb.schema import Office

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class SlotTaken(Exception):
    """Someone else booked this slot first."""


class BookingError(Exception):
    """Booking not possible (unknown office, slot outside hours, ...); message is German."""


class TooManyAppointments(BookingError):
    """The resident already has the allowed number of open appointments (German message)."""


@dataclass(frozen=True)
class OpenLimits:
    """At most this many future appointments per conversation and per phone number."""

    per_conversation: int = 2
    per_phone: int = 3

    @classmethod
    def from_settings(cls) -> "OpenLimits":
        from assistant.config import get_settings

        s = get_settings()
        return cls(s.max_open_appointments_per_conversation, s.max_open_appointments_per_phone)


def owner_hash(kind: str, value: str) -> str:
    """Pseudonymous key (the raw sender id / phone number is not stored with the appointment)."""
    import hashlib

    return hashlib.sha256(f"appointment-{kind}:{value}".encode()).hexdigest()


def normalize_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    return "+49" + digits[1:] if digits.startswith("0") and not digits.startswith("00") else digits.replace("00", "+", 1)


def open_appointments(session: Session, now: dt.datetime, conversation: Optional[str] = None,
                      phone: Optional[str] = None) -> int:
    """Future appointments booked from this conversation or with this phone number."""
    if conversation is None and phone is None:
        return 0
    column = AppointmentOwner.conversation_hash if conversation is not None else AppointmentOwner.phone_hash
    key = owner_hash("conversation", conversation) if conversation is not None else owner_hash(
        "phone", normalize_phone(phone or ""))
    rows = session.execute(select(Appointment.id).join(AppointmentOwner, AppointmentOwner.appointment_id == Appointment.id)
                           .where(column == key, Appointment.end > _db(now)))
    return len(rows.all())


def _check_limits(sm: sessionmaker, now: dt.datetime, conversation: Optional[str], phone: Optional[str],
                  limits: OpenLimits) -> None:
    with sm() as session:
        if conversation and open_appointments(session, now, conversation=conversation) >= limits.per_conversation:
            raise TooManyAppointments(
                f"Sie haben schon {limits.per_conversation} offene Termine. Bitte sagen Sie zuerst einen ab "
                "oder rufen Sie das Amt an.")
        if phone and open_appointments(session, now, phone=phone) >= limits.per_phone:
            raise TooManyAppointments(
                f"Für diese Telefonnummer gibt es schon {limits.per_phone} offene Termine. Bitte sagen Sie "
                "zuerst einen ab oder rufen Sie das Amt an.")


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

    def as_record(self) -> dict[str, str]:
        return {"code": self.code, "office_id": self.office_id, "service": self.service,
                "start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_record(cls, data: dict[str, str]) -> "Booking":
        return cls(data["code"], data["office_id"], data["service"], dt.datetime.fromisoformat(data["start"]),
                   dt.datetime.fromisoformat(data["end"]))


def _first_result(sm: sessionmaker, key: Optional[str], operation: str) -> Optional[tuple[bool, object]]:
    """(True, result) if a write with ``key`` was already done, else None."""
    if not key:
        return None
    with sm() as session:
        found = idempotency.find(session, key)
    if found is None:
        return None
    if found[0] != operation:
        raise ValueError(f"idempotency key reused for {operation!r}, first used for {found[0]!r}")
    return True, found[1]


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


OFFER_WINDOW_DAYS = 60  # the same horizon as :func:`offer`


def _validate_slot(kb: KnowledgeBase, office_id: str, service: str, start: dt.datetime, now: dt.datetime,
                   tz: ZoneInfo, window_days: int = OFFER_WINDOW_DAYS) -> tuple[Office, slots_mod.Slot]:
    """The slot exactly as :func:`offer` could have offered it: inside the offer window, on the
    grid inside booking/opening hours (closures and holidays removed), at least the lead time
    ahead. Whatever a client sends back as "the slot I chose" is checked again here."""
    office = kb.offices.get(office_id)
    if office is None or office.booking is None or not office.booking.enabled:
        raise BookingError("Bei diesem Amt kann ich keine Termine buchen.")
    if service not in kb.services:
        raise BookingError("Für diese Leistung kann ich keinen Termin buchen.")
    if start.tzinfo is None:
        raise BookingError("Diesen Termin gibt es nicht (mehr). Bitte wählen Sie einen anderen.")
    if start <= now or start > now + dt.timedelta(days=window_days):
        raise BookingError(f"Termine kann ich nur für die nächsten {window_days} Tage buchen. "
                           "Bitte wählen Sie einen der angebotenen Termine.")
    day_start = dt.datetime.combine(start.astimezone(tz).date(), dt.time(0), tzinfo=tz)
    for slot in slots_mod.candidate_slots(office, service, max(day_start, now), tz, kb.county.state, days=0):
        if slot.start == start.astimezone(tz):
            return office, slot
    raise BookingError("Diesen Termin gibt es nicht (mehr). Bitte wählen Sie einen anderen.")


def book(sm: sessionmaker, kb: KnowledgeBase, office_id: str, service: str, start: dt.datetime, now: dt.datetime,
         tz: ZoneInfo, channel: Optional[str] = None, reminder_target: Optional[str] = None,
         name: Optional[str] = None, conversation: Optional[str] = None, phone: Optional[str] = None,
         limits: Optional[OpenLimits] = None, idempotency_key: Optional[str] = None) -> Booking:
    """Book one slot. Raises SlotTaken if another booking got it first (decided by the DB),
    BookingError if the slot is not one that could be offered (window, hours, capacity) and
    TooManyAppointments if ``conversation``/``phone`` already hold the allowed open appointments.

    With ``idempotency_key``, a second call with the same key (a repeated confirmation, also one
    running at the same moment in another process) returns the first booking and books nothing."""
    done = _first_result(sm, idempotency_key, "book")
    if done is not None:
        return Booking.from_record(done[1])  # type: ignore[arg-type]
    office, slot = _validate_slot(kb, office_id, service, start, now, tz)
    limits = limits or OpenLimits.from_settings()
    _check_limits(sm, now, conversation, phone, limits)
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
                result = Booking(code, office_id, service, slot.start, slot.end)
                if idempotency_key:
                    idempotency.record(session, idempotency_key, "book", result.as_record(), now)
                try:
                    session.flush()
                    if conversation or phone:
                        session.add(AppointmentOwner(
                            appointment_id=appt.id,
                            conversation_hash=owner_hash("conversation", conversation) if conversation else None,
                            phone_hash=owner_hash("phone", normalize_phone(phone)) if phone else None))
                    session.commit()
                    _recheck_limits(sm, appt.id, now, conversation, phone, limits)
                    return result
                except IntegrityError as exc:
                    session.rollback()
                    done = _first_result(sm, idempotency_key, "book")
                    if done is not None:  # the same confirmation won in another process
                        return Booking.from_record(done[1])  # type: ignore[arg-type]
                    if "code" in str(exc.orig).lower() and "slot_claim" not in str(exc.orig).lower():
                        continue  # code collision: new code, same counter
                    break  # this counter is taken: try the next one
    raise SlotTaken()


def _recheck_limits(sm: sessionmaker, appointment_id: int, now: dt.datetime, conversation: Optional[str],
                    phone: Optional[str], limits: OpenLimits) -> None:
    """Two bookings of one resident at the same moment both pass the check before the insert;
    counted again after the commit, the later one is taken back."""
    with sm() as session:
        over = ((conversation and open_appointments(session, now, conversation=conversation) > limits.per_conversation)
                or (phone and open_appointments(session, now, phone=phone) > limits.per_phone))
        if not over:
            return
        newest = session.get(Appointment, appointment_id)
        if newest is not None:
            session.delete(newest)
            session.commit()
    _check_limits(sm, now, conversation, phone, OpenLimits(limits.per_conversation, limits.per_phone))
    raise TooManyAppointments("Sie haben schon zu viele offene Termine.")


def get(session: Session, code: str) -> Optional[Appointment]:
    return session.scalars(select(Appointment).where(Appointment.code == code.upper())).first()


def cancel(sm: sessionmaker, code: str, idempotency_key: Optional[str] = None,
           now: Optional[dt.datetime] = None) -> Optional[Booking]:
    """Delete the appointment (and its claims): the slot is free again. None if unknown.

    With ``idempotency_key``, a repeated cancellation returns what the first one returned."""
    done = _first_result(sm, idempotency_key, "cancel")
    if done is not None:
        return Booking.from_record(done[1]) if done[1] else None  # type: ignore[arg-type]
    now = now or dt.datetime.now(dt.timezone.utc)
    with sm() as session:
        appt = get(session, code)
        booking = None
        if appt is not None:
            booking = Booking(appt.code, appt.office_id, appt.service_slug, utc(appt.start), utc(appt.end))
            session.delete(appt)
        if idempotency_key:
            idempotency.record(session, idempotency_key, "cancel", booking.as_record() if booking else None, now)
        try:
            session.commit()
        except (IntegrityError, StaleDataError):  # the same cancellation ran at the same moment
            session.rollback()
            done = _first_result(sm, idempotency_key, "cancel")
            if done is None:
                raise
            return Booking.from_record(done[1]) if done[1] else None  # type: ignore[arg-type]
        return booking


def reschedule(sm: sessionmaker, kb: KnowledgeBase, code: str, start: dt.datetime, now: dt.datetime,
               tz: ZoneInfo, idempotency_key: Optional[str] = None) -> Booking:
    """Book the new slot first, then free the old one; the code stays the same.

    With ``idempotency_key``, a repeated confirmation returns the first result."""
    done = _first_result(sm, idempotency_key, "book")
    if done is not None:
        first = Booking.from_record(done[1])  # type: ignore[arg-type]
        with sm() as session:
            if get(session, first.code) is None:  # the swap below completed: report the kept code
                return Booking(code, first.office_id, first.service, first.start, first.end)
    with sm() as session:
        old = get(session, code)
        if old is None:
            raise BookingError("Zu diesem Buchungscode finde ich keinen Termin.")
        office_id, service = old.office_id, old.service_slug
        channel, target, name = old.channel, old.reminder_target, old.name
    new = book(sm, kb, office_id, service, start, now, tz, channel=channel, reminder_target=target, name=name,
               idempotency_key=idempotency_key)
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


def hold_name(sm: sessionmaker, key: str, name: str, now: dt.datetime) -> None:
    """Keep the resident's name for the booking of flow ``key`` until it is confirmed."""
    with sm() as session:
        session.merge(HeldName(key=key, name=name[:120], created_at=_db(now)))
        session.commit()


def take_name(sm: sessionmaker, key: str) -> Optional[str]:
    """The held name of flow ``key`` (removed), or None."""
    with sm() as session:
        row = session.get(HeldName, key)
        if row is None:
            return None
        name = row.name
        session.delete(row)
        session.commit()
        return name


def purge(session: Session, now: dt.datetime, retention_days: int) -> int:
    """Delete appointments that ended more than ``retention_days`` ago, and old callbacks."""
    cutoff = _db(now - dt.timedelta(days=retention_days))
    n = session.execute(delete(Appointment).where(Appointment.end < cutoff)).rowcount or 0
    n += session.execute(delete(CallbackRequest).where(CallbackRequest.created_at < cutoff)).rowcount or 0
    n += session.execute(delete(IdempotentWrite).where(IdempotentWrite.created_at < cutoff)).rowcount or 0
    held = _db(now - dt.timedelta(days=1))
    n += session.execute(delete(HeldName).where(HeldName.created_at < held)).rowcount or 0
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
                 now: dt.datetime, idempotency_key: Optional[str] = None) -> CallbackRequest:
    """Store a callback request. With ``idempotency_key``, a repeated request returns the first one."""

    def first() -> Optional[CallbackRequest]:
        found = idempotency.find(session, idempotency_key) if idempotency_key else None
        return session.get(CallbackRequest, found[1]["id"]) if found else None

    existing = first()
    if existing is not None:
        return existing
    req = CallbackRequest(office_id=office_id, topic=topic[:300], phone=phone[:40],
                          preferred_time=preferred_time[:120], created_at=_db(now))
    session.add(req)
    if idempotency_key:
        session.flush()
        idempotency.record(session, idempotency_key, "callback", {"id": req.id}, now)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = first()
        if existing is None:
            raise
        return existing
    return req
