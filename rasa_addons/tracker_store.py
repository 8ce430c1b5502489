"""Rasa's SQL tracker store, storing conversations without personal data.

Configured in endpoints.yml as ``type: rasa_addons.tracker_store.RedactingSQLTrackerStore`` with
the usual SQL settings (``dialect: sqlite`` + ``db``, or ``dialect: postgresql`` + host/port/
username/password/db): SQLite and PostgreSQL alike.

Rasa 3.6 saves the tracker after the actions of a turn have run (``MessageProcessor.
handle_message``: log_message without saving, prediction loop, save_tracker), so the action server
receives the unredacted message of the current turn, and only the stored copy is redacted. The
next turn reads the redacted history: a flow that needs a value later (the callback's phone
number) must store it in its own record in the same turn (assistant/actions/handoff.py).

It also puts the redacting log filter on the Rasa process's log handlers.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from assistant.redaction import install_log_redaction, redact_event

logger = logging.getLogger(__name__)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored events have user/bot texts, entities and slots redacted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_log_redaction()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events of this turn that are not stored yet, redacted (Rasa's save, with
        :func:`assistant.redaction.redact_event` applied to each event)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event(event.as_dict())
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
        logger.debug("Tracker with sender_id '%s' stored (redacted)", tracker.sender_id)
