"""Idempotency keys for writes that a resident confirms (book, cancel, request a callback).

A key names one decision of one conversation: the sender id, the id of the flow that asked
("flow_id" in the flow state, set when the flow starts) and the operation. The same "Ja" delivered
twice - a double click, a client retry, two Rasa replicas - gives the same key, and the second
delivery gets the first result back (see :mod:`assistant.booking.service`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.booking.models import IdempotentWrite


def make_key(sender_id: str, flow_id: Optional[str], operation: str) -> Optional[str]:
    """A 64-character key, or None when the flow has no id (then the write is not deduplicated)."""
    if not flow_id:
        return None
    return hashlib.sha256(f"{operation}\x1f{sender_id}\x1f{flow_id}".encode()).hexdigest()


def find(session: Session, key: str) -> Optional[tuple[str, Any]]:
    """(operation, decoded result) recorded under ``key``, or None."""
    row = session.scalars(select(IdempotentWrite).where(IdempotentWrite.key == key)).first()
    if row is None:
        return None
    return row.operation, json.loads(row.result)


def record(session: Session, key: str, operation: str, result: Any, now: dt.datetime) -> None:
    """Add the record to the session (committed together with the write it belongs to)."""
    session.add(IdempotentWrite(key=key, operation=operation, result=json.dumps(result),
                                created_at=now.astimezone(dt.timezone.utc).replace(tzinfo=None)))
