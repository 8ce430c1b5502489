"""A SQL tracker store whose per-turn cost does not grow with the conversation (runs inside Rasa).

Rasa rebuilds the whole current session from the database on every message, featurises all of it
for every policy and sends all of it to the action server; a resident's 100th message cost 2.5x
the first. Our dialogue keeps its state in slots and every rule covers a single turn, so nothing
needs the older events: when the current session holds more than ``checkpoint_events`` events
after a turn, this store appends a *checkpoint* — the events Rasa itself writes at a new session
(``action_session_start``, ``session_started``, the current slot values, the active loop,
``action_listen``). Rasa's own query then loads only what follows the checkpoint. Nothing is
deleted here: older events stay until the retention purge removes them, and the staff inbox and
the privacy export still read the whole history.

Configured in endpoints.yml::

    tracker_store:
      type: nlu_components.bounded_tracker_store.BoundedSQLTrackerStore
      dialect: sqlite
      db: var/rasa_tracker.db
      checkpoint_events: 40
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_CHECKPOINT_EVENTS = 40


def checkpoint_events(tracker: DialogueStateTracker, timestamp: float) -> list[Event]:
    """The events that start a fresh session carrying the tracker's current state over."""
    events: list[Event] = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
                           SessionStarted(timestamp=timestamp)]
    for name, slot in tracker.slots.items():
        if slot.value != slot.initial_value:
            events.append(SlotSet(name, slot.value, timestamp=timestamp))
    loop = tracker.active_loop_name
    if loop:
        events.append(ActiveLoop(loop, timestamp=timestamp))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp))
    return events


def needs_checkpoint(tracker: DialogueStateTracker, limit: int) -> bool:
    """After a finished turn (the bot listens again) and with more events than ``limit``."""
    if limit <= 0 or len(tracker.events) <= limit:
        return False
    last = tracker.events[-1]
    return isinstance(last, ActionExecuted) and last.action_name == ACTION_LISTEN_NAME


class BoundedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that starts a carried-over session after ``checkpoint_events`` events."""

    def __init__(self, *args: Any, checkpoint_events: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checkpoint_limit = int(checkpoint_events if checkpoint_events is not None else DEFAULT_CHECKPOINT_EVENTS)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if not needs_checkpoint(tracker, self.checkpoint_limit):
            return
        # a timestamp after every stored event, so that Rasa's "since the last session start"
        # query begins exactly here
        stamp = max(time.time(), (tracker.events[-1].timestamp or 0.0) + 1e-6)
        with self.session_scope() as session:
            for event in checkpoint_events(tracker, stamp):
                data = event.as_dict()
                session.add(self.SQLEvent(sender_id=tracker.sender_id, type_name=event.type_name,
                                          timestamp=stamp, intent_name=None, action_name=data.get("name"),
                                          data=json.dumps(data)))
            session.commit()
        logger.debug("Checkpoint for %s after %d events", tracker.sender_id, len(tracker.events))
