"""``StrictSQLTrackerStore``: Rasa's SQL tracker store, but it fails loudly.

Rasa 3.6 wraps every tracker store in ``FailSafeTrackerStore``, which on any error *retrieves
nothing* (the conversation starts from scratch: a "Ja" at a confirm step gets "Wobei kann ich
helfen?") and *saves to memory* (the turn is lost when the process ends or the next message lands on
another replica). In the scaled profile that is data loss, so this store

* is not wrapped (``fail_loudly = True``; :mod:`rasa_addons.serve` makes Rasa's agent honour it);
* raises :class:`TrackerStoreUnavailable` for database errors instead of returning None;
* refuses sender ids that are not :func:`assistant.sender_ids.is_valid_sender` (a NUL byte made
  psycopg raise ValueError, which ``SQLTrackerStore.session_scope`` took for a missing schema and
  called ``sys.exit`` - the port closed, the PID lived on);
* pings pooled connections before use, so a PostgreSQL restart costs one failed turn at most;
* checks, right before it writes, that this replica still holds the conversation's lock (the
  fencing ticket of :mod:`rasa_addons.lock_store`).

endpoints-scaled.yml::

    tracker_store:
      type: rasa_addons.tracker_store.StrictSQLTrackerStore
      dialect: postgresql
      url: ${ASSISTANT_PG_HOST}
      ...
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Generator, Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from assistant.sender_ids import is_valid_sender

logger = logging.getLogger(__name__)


class TrackerStoreUnavailable(RasaException):
    """The tracker store could not read or write (database down, invalid sender, lock lost)."""


class StrictSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store without silent fall-backs (see module docstring)."""

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
    def _check_sender(sender_id: str) -> None:
        if not is_valid_sender(sender_id):
            raise TrackerStoreUnavailable(f"Invalid sender id {sender_id[:40]!r}")

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self._check_sender(sender_id)
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        self._check_sender(conversation_id)
        return await super().retrieve_full_tracker(conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._check_sender(tracker.sender_id)
        from rasa_addons.lock_store import current_lease

        lease = current_lease()
        if lease is not None and lease.conversation_id == tracker.sender_id:
            try:
                lease.verify()
            except Exception as exc:
                raise TrackerStoreUnavailable(f"Not saved: {exc}") from exc
        await super().save(tracker)

    async def keys(self) -> Iterable[str]:
        return await super().keys()

    def ping(self) -> bool:
        """True if the database answers ``SELECT 1`` (used by the deep health check)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001
            return False
