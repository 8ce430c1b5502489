"""Tables of the staff area. Times are stored as naive UTC (like the booking tables)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db import Base


def utcnow() -> dt.datetime:
    """Naive UTC 'now', the form written to the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def as_utc(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """Naive UTC for comparisons (PostgreSQL may return aware values)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # editor | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)


class StaffSession(Base):
    """Server-side login session; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class InboxDecision(Base):
    """A message text handled by staff (assigned to an intent, or 'not our topic')."""

    __tablename__ = "inbox_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text_key: Mapped[str] = mapped_column(String(500), unique=True, index=True)
    decision: Mapped[str] = mapped_column(String(16))  # assigned | not_our_topic
    intent: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    service: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    example: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)


class KBChange(Base):
    """Every change of a knowledge-base file made in the staff area (revertible)."""

    __tablename__ = "kb_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file: Mapped[str] = mapped_column(String(300), index=True)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    action: Mapped[str] = mapped_column(String(16))  # edit | revert
    reverts_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    old_content: Mapped[str] = mapped_column(Text)
    new_content: Mapped[str] = mapped_column(Text)


class TrainingRun(Base):
    """A retrain-check-publish run or a rollback, started from the staff area."""

    __tablename__ = "training_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # train | rollback
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # running | published | failed | interrupted
    step: Mapped[str] = mapped_column(String(16), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    log_path: Mapped[str] = mapped_column(String(500))
    model_path: Mapped[Optional[str]] = mapped_column(String(500), nullable=True)
    previous_model: Mapped[Optional[str]] = mapped_column(String(500), nullable=True)
