"""``AtomicRedisLockStore``: a Rasa custom lock store on :mod:`rasa_addons.ticket_queue`.

endpoints-scaled.yml::

    lock_store:
      type: rasa_addons.lock_store.AtomicRedisLockStore
      url: ${ASSISTANT_REDIS_HOST}      # host name or redis://[:password@]host:port/db
      port: ${ASSISTANT_REDIS_PORT}
      db: 1
      lock_ttl: 5                        # seconds after which a dead replica's lock frees

Same interface as ``rasa.core.lock_store.LockStore`` (Rasa 3.6): ``lock()`` is the async context
manager Rasa's agent, processor and server use; the ticket methods are kept for callers that use
them directly, but every one of them maps to one atomic Redis script. When Redis cannot be
reached, ``LockError`` is raised at once (no silent fall-back to an in-process lock).

While a turn holds the lock, :func:`current_lease` returns it, so that the tracker store can check
just before it writes that this replica still holds the conversation (fencing).
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from rasa.core.lock import Ticket as RasaTicket
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from rasa_addons.ticket_queue import Renewer, Ticket, TicketLost, TicketQueue

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 5.0
_POLL_MIN_S, _POLL_MAX_S = 0.02, 0.2


@dataclass
class Lease:
    """The lock a turn holds: the store, the conversation and the (fencing) ticket."""

    store: AtomicRedisLockStore
    conversation_id: str
    ticket: int

    def verify(self) -> None:
        """Raise LockError unless this ticket still holds the conversation's lock."""
        self.store.verify(self.conversation_id, self.ticket)


_lease: contextvars.ContextVar[Lease | None] = contextvars.ContextVar("assistant_lock_lease", default=None)


def current_lease() -> Lease | None:
    """The lease of the turn running in this task (None outside a lock)."""
    return _lease.get()


def _redis_client(host: str, port: int, db: int, username: str | None, password: str | None,
                  socket_timeout: float, use_ssl: bool) -> Any:
    import redis

    if "://" in host:
        return redis.Redis.from_url(host, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
    return redis.Redis(host=host, port=port, db=db, username=username, password=password, ssl=use_ssl,
                       socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)


def _cfg(endpoint_config: Any, name: str, default: Any) -> Any:
    if endpoint_config is None:
        return default
    value = endpoint_config.kwargs.get(name, default)
    return default if value in (None, "") else value


class AtomicRedisLockStore(LockStore):
    """FIFO ticket lock per conversation, atomic in Redis, tickets expire ``lock_ttl`` s after the
    last renewal (renewed by a background thread while held or waited for)."""

    def __init__(self, endpoint_config: Any = None, host: str | None = None, port: int = 6379, db: int = 1,
                 username: str | None = None, password: str | None = None, key_prefix: str = "alock:",
                 lock_ttl: float = DEFAULT_TTL_S, socket_timeout: float = 2.0, use_ssl: bool = False,
                 client: Any = None) -> None:
        host = (endpoint_config.url if endpoint_config is not None and endpoint_config.url else host) or "127.0.0.1"
        port = int(_cfg(endpoint_config, "port", port))
        db = int(_cfg(endpoint_config, "db", db))
        username = _cfg(endpoint_config, "username", username)
        password = _cfg(endpoint_config, "password", password)
        key_prefix = str(_cfg(endpoint_config, "key_prefix", key_prefix))
        lock_ttl = float(_cfg(endpoint_config, "lock_ttl", lock_ttl))
        socket_timeout = float(_cfg(endpoint_config, "socket_timeout", socket_timeout))
        use_ssl = str(_cfg(endpoint_config, "use_ssl", use_ssl)).lower() in ("1", "true", "yes")
        self.red = client or _redis_client(host, port, db, username, password, socket_timeout, use_ssl)
        self.queue = TicketQueue(self.red, prefix=key_prefix, ttl_ms=int(lock_ttl * 1000))
        self.renewer = Renewer(self.queue)
        super().__init__()

    # --- health ------------------------------------------------------------------------------
    def ping(self) -> bool:
        """True if Redis answers (used by the deep health check)."""
        try:
            return bool(self.red.ping())
        except Exception:  # noqa: BLE001
            return False

    # --- the interface Rasa uses -----------------------------------------------------------------
    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the body; wait at most ``lock_lifetime`` seconds for it.

        ``wait_time_in_seconds`` caps the polling interval (polling starts at 20 ms)."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        token = None
        try:
            lock = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds, lock_lifetime)
            token = _lease.set(Lease(self, conversation_id, ticket))
            yield lock
            if self.renewer.was_lost(conversation_id, ticket):
                raise LockError(f"Lock for conversation '{conversation_id}' expired while the turn ran.")
        finally:
            if token is not None:
                _lease.reset(token)
            self.cleanup(conversation_id, ticket)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Queue up atomically. ``lock_lifetime`` is the wait limit in :meth:`lock`; the ticket
        itself lives ``lock_ttl`` seconds after its last renewal."""
        try:
            ticket = self.queue.issue(conversation_id)
        except Exception as exc:
            raise LockError(f"Lock store (Redis) unavailable: {exc}") from exc
        self.renewer.add(conversation_id, ticket)
        return ticket

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float = 1,
                            max_wait_s: float = LOCK_LIFETIME) -> TicketLock:
        deadline = time.monotonic() + max_wait_s
        pause = _POLL_MIN_S
        cap = max(_POLL_MIN_S, min(_POLL_MAX_S, wait_time_in_seconds))
        while True:
            try:
                if self.queue.try_acquire(conversation_id, ticket):
                    logger.debug("Acquired lock for conversation '%s' (ticket %s).", conversation_id, ticket)
                    return self._view(conversation_id)
            except TicketLost as exc:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}': {exc}") from exc
            except Exception as exc:
                raise LockError(f"Lock store (Redis) unavailable: {exc}") from exc
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}' "
                                f"within {max_wait_s:.0f} s.")
            await asyncio.sleep(pause)
            pause = min(cap, pause * 2)

    def verify(self, conversation_id: str, ticket: int) -> None:
        """Fencing check: raise LockError unless ``ticket`` is (still) first in the queue."""
        try:
            holds = self.queue.try_acquire(conversation_id, ticket)
        except TicketLost as exc:
            raise LockError(f"Lock for conversation '{conversation_id}' was lost: {exc}") from exc
        except Exception as exc:
            raise LockError(f"Lock store (Redis) unavailable: {exc}") from exc
        if not holds:
            raise LockError(f"Ticket {ticket} does not hold the lock of conversation '{conversation_id}'.")

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.renewer.discard(conversation_id, ticket_number)
        try:
            self.queue.release(conversation_id, ticket_number)
        except Exception as exc:  # noqa: BLE001 - the ticket expires on its own within lock_ttl
            logger.warning("could not release lock ticket %s of %r: %s", ticket_number, conversation_id, exc)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Leave the queue; the queue's keys are deleted atomically when nobody waits."""
        self.finish_serving(conversation_id, ticket_number)

    # --- compatibility with the ticket-lock methods of rasa.core.lock_store.LockStore -------------
    def _view(self, conversation_id: str) -> TicketLock:
        from collections import deque

        tickets = self.queue.snapshot(conversation_id)
        return TicketLock(conversation_id, deque(RasaTicket(t.number, t.expires_ms / 1000) for t in tickets))

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        lock = self._view(conversation_id)
        return lock if lock.tickets else None

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, self.queue.delete(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the stored queue with ``lock`` (atomic, but only meant for tools and tests)."""
        self.queue.replace(lock.conversation_id,
                           [Ticket(t.number, int(t.expires * 1000)) for t in lock.tickets])

    def update_lock(self, conversation_id: str) -> None:
        self.queue.snapshot(conversation_id)  # purges expired tickets

    def is_someone_waiting(self, conversation_id: str) -> bool:
        return bool(self.queue.snapshot(conversation_id))
