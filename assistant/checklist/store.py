"""Saved personal checklists behind a stable, unguessable link (printable page).

Stores only the service, the municipality and the yes/no answers: no name, no contact data.
Deleted after ``ASSISTANT_CHECKLIST_RETENTION_DAYS`` (see :func:`purge`).
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.db import Base

RETENTION_DAYS = 90


class ChecklistRow(Base):
    __tablename__ = "checklist"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_slug: Mapped[str] = mapped_column(String(64))
    municipality_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


def save(session: Session, service: str, municipality: Optional[str], answers: dict[str, Optional[bool]]) -> str:
    token = secrets.token_urlsafe(12)
    session.add(ChecklistRow(token=token, service_slug=service, municipality_id=municipality, answers=answers,
                             created_at=dt.datetime.now(dt.timezone.utc)))
    session.commit()
    return token


def get(session: Session, token: str) -> Optional[ChecklistRow]:
    if not token or len(token) > 32:
        return None
    return session.get(ChecklistRow, token)


def purge(session: Session, now: Optional[dt.datetime] = None, days: int = RETENTION_DAYS) -> int:
    now = now or dt.datetime.now(dt.timezone.utc)
    result = session.execute(delete(ChecklistRow).where(ChecklistRow.created_at < now - dt.timedelta(days=days)))
    session.commit()
    return result.rowcount or 0
