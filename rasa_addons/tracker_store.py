"""Rasa's SQL tracker store, as our processes need it (runs inside Rasa; SQLite and PostgreSQL).

* :class:`RedactingSQLTrackerStore` (the embedded default, endpoints.yml) stores conversations
  without personal data and keeps a turn's cost flat;
* :class:`StrictSQLTrackerStore` (the scaled profile, endpoints-scaled.yml) does the same and fails
  loudly instead of Rasa's silent fall-back.

Redaction: Rasa 3.6 saves the tracker after the actions of a turn have run (``MessageProcessor.
handle_message``: log_message without saving, prediction loop, save_tracker), so the action server
receives the unredacted message of the current turn, and only the stored copy is redacted. The
next turn reads the redacted history: a flow that needs a value later (the callback's phone
number) stores it in its own record in the same turn (assistant/dialogue/flows.py). It also puts
the redacting log filter on the Rasa process's log handlers.

Checkpoints: Rasa rebuilds the whole current session from the database on every message,
featurises it for every policy and sends it to the action server, so a resident's 100th message
cost more than the first. Our dialogue keeps its state in slots and every rule covers one turn, so
nothing needs the older events: when the current session holds more than ``checkpoint_events``
events after a turn, the store appends a *checkpoint* - the events Rasa itself writes at a new
session (``action_session_start``, ``session_started``, the current slot values, the active loop,
``action_listen``). Rasa's own query then loads only what follows. Nothing is deleted here: older
events stay until the retention purge, and the staff inbox and the privacy export read them all.

endpoints.yml::

    tracker_store:
      type: rasa_addons.tracker_store.RedactingSQLTrackerStore
      dialect: sqlite
      db: var/rasa_tracker.db
      checkpoint_events: 40
"""
from __future__ import annotations

import json
import logging
from typing import Any

import contextlib
import time
from collections.abc import Generator, Iterable
from typing import Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from assistant.redaction import install_log_redaction, redact_event
from assistant.sender_ids import is_valid_sender

logger = logging.getLogger(__name__)

DEFAULT_CHECKPOINT_EVENTS = 40
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: WAL (readers never wait for the writer; several Rasa processes share the
    file), commits without a full fsync (``synchronous=NORMAL``: with WAL the database stays
    consistent; a power cut can lose the last turns, not corrupt the file), and wait for another
    process's write instead of failing with "database is locked"."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def tune_sqlite_engine(engine: Any, **engine_kwargs: Any) -> Any:
    """For a SQLite URL: a new engine with the pragmas above on every connection and a small pool
    (SQLAlchemy 1.4 opens a new file connection for every session of a file database otherwise:
    two per turn). Other dialects: the engine unchanged."""
    if engine.dialect.name != "sqlite":
        return engine
    url = engine.url
    engine.dispose()
    tuned = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                             connect_args={"check_same_thread": False}, **engine_kwargs)
    sa.event.listen(tuned, "connect", _sqlite_pragmas)
    return tuned


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


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored events have user/bot texts, entities and slots redacted."""

    def __init__(self, *args: Any, checkpoint_events: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engine = tune_sqlite_engine(self.engine)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.checkpoint_limit = int(DEFAULT_CHECKPOINT_EVENTS if checkpoint_events is None else checkpoint_events)
        install_log_redaction()

    def _add(self, session: Any, sender_id: str, event: Event, timestamp: Optional[float] = None) -> None:
        data = redact_event(event.as_dict())
        if timestamp is not None:
            data["timestamp"] = timestamp
        session.add(self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        ))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events of this turn that are not stored yet, redacted (Rasa's save, with
        :func:`assistant.redaction.redact_event` applied to each event)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                self._add(session, tracker.sender_id, event)
            if needs_checkpoint(tracker, self.checkpoint_limit):
                # after every stored event, so that Rasa's "since the last session start" query
                # begins exactly here
                stamp = max(time.time(), (tracker.events[-1].timestamp or 0.0) + 1e-6)
                for event in checkpoint_events(tracker, stamp):
                    self._add(session, tracker.sender_id, event, stamp)
            session.commit()
        logger.debug("Tracker with sender_id '%s' stored (redacted)", tracker.sender_id)


class TrackerStoreUnavailable(RasaException):
    """The tracker store could not read or write (database down, invalid sender, lock lost)."""


class StrictSQLTrackerStore(RedactingSQLTrackerStore):
    """The redacting store without silent fall-backs, for the scaled profile.

    Rasa 3.6 wraps every tracker store in ``FailSafeTrackerStore``, which on any error *retrieves
    nothing* and *saves to memory*. In the scaled profile that is data loss, so this store is not
    wrapped (``fail_loudly = True``; :mod:`rasa_addons.serve` makes Rasa's agent honour it), raises
    :class:`TrackerStoreUnavailable` for database errors, refuses invalid sender ids (a NUL byte made
    psycopg raise ValueError, which ``SQLTrackerStore.session_scope`` took for a missing schema and
    called ``sys.exit``), pings pooled connections before use, and checks right before it writes
    that this replica still holds the conversation's lock (the fencing ticket of
    :mod:`rasa_addons.lock_store`)."""

    fail_loudly = True

    def __init__(self, *args: Any, connect_timeout: int = 3, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        engine_kwargs = create_engine_kwargs(url)
        if self.engine.dialect.name == "postgresql":
            connect_args = dict(engine_kwargs.pop("connect_args", {}))
            connect_args.setdefault("connect_timeout", int(connect_timeout))
            engine_kwargs["connect_args"] = connect_args
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **engine_kwargs)
        self.engine = tune_sqlite_engine(self.engine, pool_pre_ping=True)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """A session whose errors propagate (no ``sys.exit`` on ValueError, unlike the parent)."""
        session = self.sessionmaker()
        try:
            yield session
        except sa.exc.SQLAlchemyError as exc:
            session.rollback()
            raise TrackerStoreUnavailable(f"Tracker store unavailable: {type(exc).__name__}: {exc}") from exc
        except ValueError as exc:
            session.rollback()
            raise TrackerStoreUnavailable(f"Tracker store refused a value: {exc}") from exc
        finally:
            session.close()

    @staticmethod
    def _check_sender(sender_id: Text) -> None:
        if not is_valid_sender(sender_id):
            raise TrackerStoreUnavailable(f"Invalid sender id {sender_id[:40]!r}")

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._check_sender(sender_id)
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        self._check_sender(conversation_id)
        return await super().retrieve_full_tracker(conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._check_sender(tracker.sender_id)
        from rasa_addons.lock_store import current_lease

        lease = current_lease()
        if lease is not None and lease.conversation_id == tracker.sender_id:
            try:
                lease.verify()
            except Exception as exc:  # noqa: BLE001 - LockError and Redis errors alike
                raise TrackerStoreUnavailable(f"Not saved: {exc}") from exc
        await super().save(tracker)

    async def keys(self) -> Iterable[Text]:
        return await super().keys()

    def ping(self) -> bool:
        """True if the database answers ``SELECT 1`` (used by the deep health check)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001
            return False
