"""A resident's data: export and delete one conversation, and the retention of conversations.

* :func:`export_conversation` – everything stored about one sender, as a JSON-ready dict
  (``assistant privacy export SENDER``).
* :func:`delete_conversation` – delete it (``assistant privacy delete SENDER``, the widget's
  "Verlauf löschen", Telegram's ``/loeschen``).
* :func:`purge_tracker` – delete tracker-store events older than
  ``ASSISTANT_CONVERSATION_RETENTION_DAYS`` in small batches (called by the purge loop).

Callbacks, saved checklists and appointments carry no sender id. The table ``data_owner`` links
them to a pseudonymous key of the sender (:func:`owner_key`), so that export and delete find them;
a link is removed with its record.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Integer,
    String,
    create_engine,
    delete,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.config import Settings, get_settings
from assistant.db import Base

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000
KINDS = ("callback", "checklist", "appointment")


class DataOwner(Base):
    """Which conversation a callback request, saved checklist or appointment came from."""

    __tablename__ = "data_owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def owner_key(sender: str) -> str:
    """Pseudonymous key of a sender (the raw sender id is not stored beside the record)."""
    return hashlib.sha256(f"owner:{sender}".encode()).hexdigest()


def link(session: Session, sender: str | None, kind: str, ref: Any) -> None:
    """Remember that record ``ref`` of ``kind`` belongs to ``sender`` (committed by the caller)."""
    if not sender or kind not in KINDS:
        return
    session.add(DataOwner(owner_key=owner_key(sender), kind=kind, ref=str(ref),
                          created_at=dt.datetime.now(dt.timezone.utc)))


def _refs(session: Session, sender: str, kind: str) -> list[str]:
    return list(session.scalars(select(DataOwner.ref).where(DataOwner.owner_key == owner_key(sender),
                                                            DataOwner.kind == kind)))


# --------------------------------------------------------------------------- tracker store
def tracker_engine(tracker_url: str) -> Engine:
    url = tracker_url.replace("postgresql://", "postgresql+psycopg://", 1)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite:"):
        kwargs["connect_args"] = {"timeout": 30}
    return create_engine(url, **kwargs)


def tracker_events(sender: str, tracker_url: str) -> list[dict[str, Any]]:
    """All stored events of one conversation, oldest first (as Rasa stored them)."""
    engine = tracker_engine(tracker_url)
    try:
        if not inspect(engine).has_table("events"):
            return []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})
            out = []
            for (data,) in rows:
                try:
                    out.append(json.loads(data))
                except (TypeError, ValueError):
                    out.append({"unreadable": True})
            return out
    finally:
        engine.dispose()


def delete_tracker_events(sender: str, tracker_url: str) -> int:
    """Delete the conversation from Rasa's SQL tracker store (table ``events``)."""
    engine = tracker_engine(tracker_url)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            result = conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
            return result.rowcount or 0
    finally:
        engine.dispose()


def purge_tracker(tracker_url: str, now: dt.datetime, retention_days: int, batch: int = PURGE_BATCH,
                  pause: float = 0.0) -> int:
    """Delete tracker events older than ``retention_days``, ``batch`` rows per transaction.

    An event goes when it is older than the cutoff and either its conversation has been idle
    since the cutoff, or it lies before the conversation's latest session start. Events of a
    conversation's current session are never removed under a running conversation: Rasa's
    SQLTrackerStore appends by counting the stored events of the current session, so deleting
    inside it would make Rasa store some events twice. (Sessions expire after
    ``session_expiration_time``; a session lasting longer than the retention period would keep
    its old events until it ends.) Each batch is a short transaction, so live conversations
    are never blocked for long. Returns the number of rows deleted.
    """
    cutoff = (now - dt.timedelta(days=retention_days)).timestamp()
    engine = tracker_engine(tracker_url)
    deleted = 0
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.connect() as conn:
            bounds = {
                sender: (cutoff if (last or 0) < cutoff else min(cutoff, session or 0))
                for sender, last, session in conn.execute(text(
                    "SELECT sender_id, MAX(timestamp), "
                    "MAX(CASE WHEN type_name = 'session_started' THEN timestamp END) "
                    "FROM events GROUP BY sender_id HAVING MIN(timestamp) < :cutoff"), {"cutoff": cutoff})
            }
        if not bounds:
            return 0
        after = -1
        while True:
            with engine.begin() as conn:
                rows = conn.execute(text(
                    "SELECT id, sender_id, timestamp FROM events WHERE id > :after AND timestamp < :cutoff "
                    "ORDER BY id LIMIT :n"), {"after": after, "cutoff": cutoff, "n": batch}).all()
                if not rows:
                    break
                after = rows[-1][0]
                ids = [i for i, sender, ts in rows if sender in bounds and ts is not None and ts < bounds[sender]]
                if ids:
                    marks = ", ".join(f":i{k}" for k in range(len(ids)))
                    result = conn.execute(text(f"DELETE FROM events WHERE id IN ({marks})"),
                                          {f"i{k}": v for k, v in enumerate(ids)})
                    deleted += result.rowcount or 0
            if pause:
                time.sleep(pause)
    finally:
        engine.dispose()
    return deleted


# --------------------------------------------------------------------------- the application DB
def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


def _app_records(session: Session, sender: str) -> dict[str, list[dict[str, Any]]]:
    from assistant.booking.models import Appointment, CallbackRequest
    from assistant.checklist.store import ChecklistRow
    from assistant.feedback import Feedback, sender_hash

    codes = _refs(session, sender, "appointment")
    appts = session.scalars(select(Appointment).where(
        (Appointment.reminder_target == sender) | Appointment.code.in_(codes)).order_by(Appointment.start)).all()
    callback_ids = [int(r) for r in _refs(session, sender, "callback") if r.isdigit()]
    callbacks = session.scalars(select(CallbackRequest).where(CallbackRequest.id.in_(callback_ids))
                                .order_by(CallbackRequest.id)).all()
    checklists = session.scalars(select(ChecklistRow).where(
        ChecklistRow.token.in_(_refs(session, sender, "checklist"))).order_by(ChecklistRow.created_at)).all()
    feedback = session.scalars(select(Feedback).where(Feedback.sender_hash == sender_hash(sender))
                               .order_by(Feedback.id)).all()
    return {
        "appointments": [{"code": a.code, "office": a.office_id, "service": a.service_slug, "start": _iso(a.start),
                          "end": _iso(a.end), "name": a.name, "channel": a.channel,
                          "reminder": a.reminder_target is not None, "created_at": _iso(a.created_at)}
                         for a in appts],
        "callbacks": [{"id": c.id, "office": c.office_id, "topic": c.topic, "phone": c.phone,
                       "preferred_time": c.preferred_time, "created_at": _iso(c.created_at),
                       "done_at": _iso(c.done_at)} for c in callbacks],
        "checklists": [{"token": c.token, "service": c.service_slug, "municipality": c.municipality_id,
                        "answers": c.answers, "created_at": _iso(c.created_at)} for c in checklists],
        "feedback": [{"rating": f.rating, "answer": f.bot_text, "channel": f.channel, "created_at": _iso(f.created_at)}
                     for f in feedback],
    }


def export_conversation(sender: str, settings: Settings | None = None) -> dict[str, Any]:
    """Everything stored about one conversation (the resident's right of access)."""
    from assistant.db import get_sessionmaker

    settings = settings or get_settings()
    with get_sessionmaker()() as session:
        records = _app_records(session, sender)
    return {"sender": sender, "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "retention_days": {"conversation": settings.conversation_retention_days,
                               "appointments_after_date": settings.appointment_retention_days},
            "tracker_events": tracker_events(sender, settings.effective_tracker_url), **records}


def delete_conversation(sender: str, settings: Settings | None = None) -> dict[str, int]:
    """Delete one conversation: tracker events, feedback, callback requests, saved checklists and
    reminder targets. Appointments stay (the office needs them) but lose the link to the chat."""
    from assistant.booking.models import Appointment, CallbackRequest
    from assistant.checklist.store import ChecklistRow
    from assistant.db import get_sessionmaker
    from assistant.feedback import delete_for

    settings = settings or get_settings()
    out = {"events": delete_tracker_events(sender, settings.effective_tracker_url), "feedback": delete_for(sender)}
    with get_sessionmaker()() as session:
        callback_ids = [int(r) for r in _refs(session, sender, "callback") if r.isdigit()]
        out["callbacks"] = session.execute(delete(CallbackRequest).where(
            CallbackRequest.id.in_(callback_ids))).rowcount or 0
        out["checklists"] = session.execute(delete(ChecklistRow).where(
            ChecklistRow.token.in_(_refs(session, sender, "checklist")))).rowcount or 0
        rows = session.query(Appointment).filter(Appointment.reminder_target == sender).all()
        for row in rows:
            row.reminder_target = None
        out["reminders"] = len(rows)
        session.execute(delete(DataOwner).where(DataOwner.owner_key == owner_key(sender)))
        session.commit()
    logger.info("deleted conversation data on request: %s", out)
    return out


def purge_links(session: Session) -> int:
    """Remove links whose record is gone (expired or deleted). Committed by the caller."""
    from assistant.booking.models import Appointment, CallbackRequest
    from assistant.checklist.store import ChecklistRow

    n = 0
    targets = (("callback", select(CallbackRequest.id)), ("checklist", select(ChecklistRow.token)),
               ("appointment", select(Appointment.code)))
    for kind, existing in targets:
        refs = {str(r) for r in session.scalars(existing)}
        stale = [i for i, ref in session.execute(select(DataOwner.id, DataOwner.ref).where(DataOwner.kind == kind))
                 if ref not in refs]
        for start in range(0, len(stale), PURGE_BATCH):
            n += session.execute(delete(DataOwner).where(DataOwner.id.in_(stale[start:start + PURGE_BATCH]))).rowcount or 0
    return n


def purge_feedback(session: Session, now: dt.datetime, retention_days: int) -> int:
    """Thumbs up/down older than the conversation retention (committed by the caller)."""
    from assistant.feedback import Feedback

    cutoff = (now - dt.timedelta(days=retention_days)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return session.execute(delete(Feedback).where(Feedback.created_at < cutoff)).rowcount or 0


def purge_all(settings: Settings | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything past its retention: appointments and callbacks, saved checklists, feedback and
    tracker events (and the links of records that are gone)."""
    from assistant.booking import service
    from assistant.checklist import store
    from assistant.db import get_sessionmaker

    settings = settings or get_settings()
    now = now or dt.datetime.now(dt.timezone.utc)
    with get_sessionmaker()() as session:
        out = {"appointments_callbacks": service.purge(session, now, settings.appointment_retention_days),
               "checklists": store.purge(session, now, settings.checklist_retention_days)}
        out["links"] = purge_links(session)
        out["feedback"] = purge_feedback(session, now, settings.conversation_retention_days)
        session.commit()
    out["events"] = purge_tracker(settings.effective_tracker_url, now, settings.conversation_retention_days)
    return out
