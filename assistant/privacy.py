"""Deleting a resident's data on request ("Verlauf löschen", Telegram /loeschen)."""
from __future__ import annotations

import logging

from sqlalchemy import create_engine, inspect, text

from assistant.config import Settings

logger = logging.getLogger(__name__)


def delete_tracker_events(sender: str, tracker_url: str) -> int:
    """Delete the conversation from Rasa's SQL tracker store (table ``events``)."""
    url = tracker_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            result = conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
            return result.rowcount or 0
    finally:
        engine.dispose()


def delete_conversation(sender: str, settings: Settings) -> dict[str, int]:
    """Conversation events, feedback and reminder targets of this sender. Appointments stay
    (the office needs them) but lose the link to the chat."""
    from assistant.booking.models import Appointment
    from assistant.db import get_sessionmaker
    from assistant.feedback import delete_for

    out = {"events": delete_tracker_events(sender, settings.effective_tracker_url), "feedback": delete_for(sender)}
    with get_sessionmaker()() as session:
        rows = session.query(Appointment).filter(Appointment.reminder_target == sender).all()
        for row in rows:
            row.reminder_target = None
        session.commit()
        out["reminders"] = len(rows)
    logger.info("deleted conversation data on request: %s", out)
    return out
