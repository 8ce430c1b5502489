"""Runs in the Rasa environment (.venv/rasa): drives ``AtomicRedisLockStore`` through Rasa's own
``LockStore.create`` factory the way Rasa's agent uses it, and Rasa's ``RedisLockStore`` as the
control. Prints one JSON object. Called by test_lock_store.py.

Usage: .venv/rasa/bin/python tests/rasa_addons/rasa_lock_check.py REDIS_PORT [atomic|rasa]
"""
from __future__ import annotations

import asyncio
import json
import sys
import time

import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

PORT = int(sys.argv[1])
CLIENT = redis.Redis(port=PORT, db=0)


def atomic_store(ttl: float = 5.0, port: int = PORT) -> LockStore:
    return LockStore.create(EndpointConfig(url="127.0.0.1", type="rasa_addons.lock_store.AtomicRedisLockStore",
                                           port=str(port), db="1", lock_ttl=str(ttl)))


CONVERSATIONS, PER_CONVERSATION = 20, 6


async def worker(kind: str) -> None:
    """One "replica" process: every task does a read-modify-write of its conversation's counter
    under the lock, with an await in the middle (like a turn that calls the action server)."""
    store = atomic_store() if kind == "atomic" else RedisLockStore(port=PORT, db=1)

    async def turn(cid: str) -> None:
        try:
            # Rasa's store: short ticket lifetime, else every race costs a 60 s wait for expiry
            async with store.lock(cid, lock_lifetime=60 if kind == "atomic" else 3, wait_time_in_seconds=0.05):
                value = int(CLIENT.get(f"count:{cid}") or 0)
                await asyncio.sleep(0.01)
                CLIENT.set(f"count:{cid}", value + 1)
        except LockError:  # Rasa's store raises when a racing replica deleted "its" lock
            CLIENT.incr("lock_errors")

    CLIENT.incr("ready")
    give_up = time.monotonic() + 600  # never outlive a parent that died
    while not CLIENT.exists("go"):  # both replicas start at the same instant
        if time.monotonic() > give_up:
            raise SystemExit("no start signal")
        await asyncio.sleep(0.001)
    await asyncio.gather(*(turn(f"c{c}") for c in range(CONVERSATIONS) for _ in range(PER_CONVERSATION)))


def lost_updates(kind: str) -> int:
    """Two replica processes on the same 20 conversations; returns the updates lost."""
    import subprocess

    CLIENT.flushdb()
    redis.Redis(port=PORT, db=1).flushdb()
    procs = [subprocess.Popen([sys.executable, __file__, str(PORT), kind]) for _ in range(2)]
    deadline = time.monotonic() + 300  # importing Rasa takes long on a busy machine
    while int(CLIENT.get("ready") or 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    CLIENT.set("go", 1)
    for p in procs:
        try:
            code = p.wait(180 if kind == "atomic" else 90)
        except subprocess.TimeoutExpired:
            # Rasa's own store can leave a ticket no one releases (its non-atomic queue): the
            # control's replicas then wait forever. That is a loss of the control, not a test failure.
            for q in procs:
                q.kill()
                q.wait()
            if kind == "atomic":
                raise
            CLIENT.incr("control_hung")
            break
        assert code == 0
    done = sum(int(CLIENT.get(f"count:c{c}") or 0) for c in range(CONVERSATIONS))
    return 2 * CONVERSATIONS * PER_CONVERSATION - done  # includes turns that raised LockError


def lock_errors() -> int:
    return int(CLIENT.get("lock_errors") or 0)


async def dead_replica_wait(ttl: float) -> float:
    """Replica A takes the lock and dies (renewer stopped, no release); B's wait in seconds."""
    a, b = atomic_store(ttl), atomic_store(ttl)
    ticket = a.issue_ticket("crash")
    await a._acquire_lock("crash", ticket, 0.05)
    a.renewer.stop()
    a.renewer.discard("crash", ticket)
    start = time.monotonic()
    async with b.lock("crash"):
        return time.monotonic() - start


async def redis_down_error() -> dict:
    store = atomic_store(port=1)  # nothing listens on port 1
    start = time.monotonic()
    try:
        async with store.lock("x"):
            return {"raised": False}
    except LockError as exc:
        return {"raised": True, "seconds": time.monotonic() - start, "message": str(exc)[:200]}


async def main() -> None:
    result = {
        "atomic_lost": lost_updates("atomic"),
        "atomic_lock_errors": lock_errors(),
        "rasa_redis_lost": lost_updates("rasa"),
        "rasa_redis_lock_errors": lock_errors(),
        "rasa_redis_hung": int(CLIENT.get("control_hung") or 0),
        "dead_replica_wait_s": await dead_replica_wait(1.0),
        "redis_down": await redis_down_error(),
        "keys_left": len(redis.Redis(port=PORT, db=1).keys("alock:q:*")),
        "class": type(atomic_store()).__name__,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(worker(sys.argv[2]) if len(sys.argv) > 2 else main())
