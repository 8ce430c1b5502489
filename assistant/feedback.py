"""Thumbs up/down from residents under an answer (widget and Telegram)."""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Optional

from sqlalchemy import DateTime, Integer, String, Text, delete
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db import Base, get_sessionmaker


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[str] = mapped_column(String(8))
    bot_text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


def sender_hash(sender: str) -> str:
    """Pseudonymous sender key (the raw sender id is not stored with feedback)."""
    return hashlib.sha256(f"feedback:{sender}".encode()).hexdigest()


def record(sender: str, rating: str, bot_text: str, channel: str, now: Optional[dt.datetime] = None) -> None:
    if rating not in ("up", "down"):
        raise ValueError("rating must be 'up' or 'down'")
    with get_sessionmaker()() as session:
        session.add(Feedback(sender_hash=sender_hash(sender), rating=rating, bot_text=bot_text[:1000],
                             channel=channel, created_at=now or dt.datetime.now(dt.timezone.utc)))
        session.commit()


def delete_for(sender: str) -> int:
    with get_sessionmaker()() as session:
        n = session.execute(delete(Feedback).where(Feedback.sender_hash == sender_hash(sender))).rowcount or 0
        session.commit()
        return n
