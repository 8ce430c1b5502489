"""Booking tables. A booking claims grid cells (office, cell start, counter); the unique
constraint on claims makes double booking impossible, whatever the number of processes.

Privacy: no name unless the office requires it; rows are deleted on cancellation and
``retention_days`` after the appointment (see :func:`assistant.booking.service.purge`).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.db import Base


class Appointment(Base):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    office_id: Mapped[str] = mapped_column(String(64), index=True)
    service_slug: Mapped[str] = mapped_column(String(64))
    start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    counter: Mapped[int] = mapped_column(Integer)
    name: Mapped[Optional[str]] = mapped_column(String(120), nullable=True)
    channel: Mapped[Optional[str]] = mapped_column(String(32), nullable=True)
    # only for channels that can remind (Telegram chat id); nothing else about the person
    reminder_target: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    reminder_sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    claims: Mapped[list["SlotClaim"]] = relationship(back_populates="appointment", cascade="all, delete-orphan",
                                                     passive_deletes=True)


class SlotClaim(Base):
    __tablename__ = "slot_claim"
    __table_args__ = (UniqueConstraint("office_id", "cell_start", "counter", name="uq_slot_claim"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[str] = mapped_column(String(64))
    cell_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    counter: Mapped[int] = mapped_column(Integer)

    appointment: Mapped[Appointment] = relationship(back_populates="claims")


class CallbackRequest(Base):
    """A resident asked to be called back (stored for staff, deleted after retention)."""

    __tablename__ = "callback_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    topic: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(40))
    preferred_time: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    done_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True), nullable=True)


class AppointmentOwner(Base):
    """Who booked (pseudonymous): hashes of the conversation and of a phone number, so that the
    open appointments per resident can be limited. A table of its own, so existing databases
    gain it with ``create_all`` (no migration); deleted with the appointment."""

    __tablename__ = "appointment_owner"

    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), primary_key=True)
    conversation_hash: Mapped[Optional[str]] = mapped_column(String(64), index=True, nullable=True)
    phone_hash: Mapped[Optional[str]] = mapped_column(String(64), index=True, nullable=True)


class HeldName(Base):
    """The name a resident gave for a booking that needs one, held until the confirmation (a few
    minutes, at most a day: purged with the appointments). Kept here, keyed by a hash of the
    conversation and the flow, so that the conversation Rasa stores never contains the name."""

    __tablename__ = "booking_held_name"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class IdempotentWrite(Base):
    """The first result of a write that carried an idempotency key (booking, cancellation,
    callback request). The unique key makes a second delivery of the same confirmation - a double
    click, a retry, the same "Ja" reaching two Rasa replicas - return this result instead of
    writing again. The key is a hash (see :func:`assistant.booking.idempotency.make_key`); the
    result holds booking data only (code, office, service, times or a callback id)."""

    __tablename__ = "idempotent_write"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    operation: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
