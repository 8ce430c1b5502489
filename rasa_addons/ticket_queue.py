"""A FIFO ticket lock per conversation in Redis, atomic and self-expiring (no Rasa import).

Why: Rasa OSS's ``RedisLockStore.issue_ticket`` reads the lock, adds a ticket in Python and
writes it back. Two replicas doing that at the same moment both hold "ticket 1", both process a
message of the same conversation, and the tracker store then drops one turn.

Here every state change is one Lua script, so Redis runs it atomically:

* ``issue``   takes the next number from one global sequence (never reused, so a number also
  works as a fencing token), adds it to the conversation's queue and gives it an expiry;
* ``acquire`` answers "is my ticket first in the queue?" and renews the ticket;
* ``renew``   extends tickets that are still alive (a background thread does this while a
  replica holds or waits for a lock);
* ``release`` removes a ticket and deletes the queue once it is empty.

Tickets expire ``ttl`` milliseconds after their last renewal (Redis clock, ``TIME``), so the lock
of a replica that died (kill -9, power cut) frees within ``ttl`` - seconds, not Rasa's 60 s.

Keys (``prefix`` defaults to ``alock:``): ``<prefix>seq`` (the sequence),
``<prefix>q:<conversation>`` (sorted set, score = ticket) and ``<prefix>e:<conversation>``
(hash ticket -> expiry in ms). Both per-conversation keys also carry a Redis TTL, so a queue
nobody renews disappears on its own.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

_LUA_COMMON = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function purge(q, e, now)
  local all = redis.call('HGETALL', e)
  for i = 1, #all, 2 do
    if tonumber(all[i + 1]) <= now then
      redis.call('HDEL', e, all[i])
      redis.call('ZREM', q, all[i])
    end
  end
end
local function keep(q, e, ttl)
  redis.call('PEXPIRE', q, ttl * 2)
  redis.call('PEXPIRE', e, ttl * 2)
end
"""

# KEYS: queue, expiries, sequence   ARGV: ttl_ms   -> ticket number
_ISSUE = _LUA_COMMON + """
local ttl = tonumber(ARGV[1])
local now = now_ms()
purge(KEYS[1], KEYS[2], now)
local t = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], t, t)
redis.call('HSET', KEYS[2], t, now + ttl)
keep(KEYS[1], KEYS[2], ttl)
return t
"""

# KEYS: queue, expiries   ARGV: ticket, ttl_ms   -> 1 holds the lock, 0 waits, -1 ticket expired
_ACQUIRE = _LUA_COMMON + """
local ttl = tonumber(ARGV[2])
local now = now_ms()
purge(KEYS[1], KEYS[2], now)
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], now + ttl)
keep(KEYS[1], KEYS[2], ttl)
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == ARGV[1] then return 1 end
return 0
"""

# KEYS: queue, expiries   ARGV: ttl_ms, ticket...   -> list of tickets that were no longer alive
_RENEW = _LUA_COMMON + """
local ttl = tonumber(ARGV[1])
local now = now_ms()
purge(KEYS[1], KEYS[2], now)
local lost = {}
local alive = 0
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i], now + ttl)
    alive = alive + 1
  else
    table.insert(lost, ARGV[i])
  end
end
if alive > 0 then keep(KEYS[1], KEYS[2], ttl) end
return lost
"""

# KEYS: queue, expiries   ARGV: ticket   -> tickets left in the queue
_RELEASE = _LUA_COMMON + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
purge(KEYS[1], KEYS[2], now_ms())
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return left
"""

# KEYS: queue, expiries   -> flat list ticket, expiry_ms, ... in queue order (after purging)
_SNAPSHOT = _LUA_COMMON + """
purge(KEYS[1], KEYS[2], now_ms())
local out = {}
for _, t in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  table.insert(out, t)
  table.insert(out, redis.call('HGET', KEYS[2], t))
end
return out
"""

# KEYS: queue, expiries   ARGV: ticket, expiry_ms, ...   -> replace the queue (compatibility only)
_REPLACE = """
redis.call('DEL', KEYS[1], KEYS[2])
local latest = 0
for i = 1, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  latest = math.max(latest, tonumber(ARGV[i + 1]))
end
if latest > 0 then
  redis.call('PEXPIREAT', KEYS[1], latest)
  redis.call('PEXPIREAT', KEYS[2], latest)
end
return #ARGV / 2
"""


class TicketLost(Exception):
    """The ticket expired (its holder stopped renewing it) or the queue was deleted."""


@dataclass(frozen=True)
class Ticket:
    number: int
    expires_ms: int


class TicketQueue:
    """Atomic per-conversation ticket queues in one Redis database."""

    def __init__(self, client: Any, prefix: str = "alock:", ttl_ms: int = 5000) -> None:
        if ttl_ms < 200:
            raise ValueError("ttl_ms must be at least 200 ms")
        self.client = client
        self.prefix = prefix
        self.ttl_ms = int(ttl_ms)
        self._issue = client.register_script(_ISSUE)
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._snapshot = client.register_script(_SNAPSHOT)
        self._replace = client.register_script(_REPLACE)

    def _keys(self, conversation_id: str) -> list[str]:
        return [f"{self.prefix}q:{conversation_id}", f"{self.prefix}e:{conversation_id}"]

    def issue(self, conversation_id: str) -> int:
        """Queue up: a new ticket number (unique across all conversations, increasing)."""
        return int(self._issue(keys=[*self._keys(conversation_id), f"{self.prefix}seq"], args=[self.ttl_ms]))

    def try_acquire(self, conversation_id: str, ticket: int) -> bool:
        """True if ``ticket`` is first in the queue (renews it either way); TicketLost if expired."""
        state = int(self._acquire(keys=self._keys(conversation_id), args=[ticket, self.ttl_ms]))
        if state < 0:
            raise TicketLost(f"ticket {ticket} of conversation {conversation_id!r} expired")
        return state == 1

    def renew(self, conversation_id: str, tickets: list[int]) -> list[int]:
        """Extend the given tickets; returns those that had already expired."""
        if not tickets:
            return []
        lost = self._renew(keys=self._keys(conversation_id), args=[self.ttl_ms, *tickets])
        return [int(t) for t in lost]

    def release(self, conversation_id: str, ticket: int) -> int:
        """Leave the queue; returns how many tickets are still waiting."""
        return int(self._release(keys=self._keys(conversation_id), args=[ticket]))

    def snapshot(self, conversation_id: str) -> list[Ticket]:
        """The live tickets in queue order (for inspection and Rasa's ``get_lock``)."""
        flat = self._snapshot(keys=self._keys(conversation_id))
        return [Ticket(int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2)]

    def replace(self, conversation_id: str, tickets: list[Ticket]) -> None:
        """Overwrite a queue (only for Rasa's ``save_lock`` compatibility method)."""
        args: list[int] = []
        for t in tickets:
            args += [t.number, t.expires_ms]
        self._replace(keys=self._keys(conversation_id), args=args)

    def delete(self, conversation_id: str) -> bool:
        return bool(self.client.delete(*self._keys(conversation_id)))


class Renewer:
    """A daemon thread that renews every ticket this process holds or waits for.

    A thread and not an asyncio task: Rasa's event loop is blocked while the model predicts,
    and a renewal that waits for the loop could let a live lock expire.
    """

    def __init__(self, queue: TicketQueue, interval_s: float | None = None) -> None:
        self.queue = queue
        self.interval_s = interval_s or max(0.05, queue.ttl_ms / 1000 / 4)
        self._tickets: dict[str, set[int]] = {}
        self._lost: set[tuple[str, int]] = set()
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, conversation_id: str, ticket: int) -> None:
        with self._mutex:
            self._tickets.setdefault(conversation_id, set()).add(ticket)
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="lock-renewer", daemon=True)
                self._thread.start()

    def discard(self, conversation_id: str, ticket: int) -> None:
        with self._mutex:
            tickets = self._tickets.get(conversation_id)
            if tickets is not None:
                tickets.discard(ticket)
                if not tickets:
                    del self._tickets[conversation_id]
            self._lost.discard((conversation_id, ticket))

    def was_lost(self, conversation_id: str, ticket: int) -> bool:
        with self._mutex:
            return (conversation_id, ticket) in self._lost

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            with self._mutex:
                work = {cid: sorted(t) for cid, t in self._tickets.items()}
            for cid, tickets in work.items():
                try:
                    lost = self.queue.renew(cid, tickets)
                except Exception as exc:  # noqa: BLE001 - Redis down: tickets will expire, holders learn it
                    logger.warning("could not renew lock tickets for %r: %s", cid, exc)
                    continue
                if lost:
                    with self._mutex:  # a ticket released meanwhile is not "lost"
                        lost = [t for t in lost if t in self._tickets.get(cid, ())]
                        self._lost.update((cid, t) for t in lost)
                    if lost:
                        logger.error("lock tickets %s of conversation %r expired while in use", lost, cid)
