"""The atomic ticket queue behind the scaled profile's lock store, against a real redis-server."""
from __future__ import annotations

import threading
import time

import pytest

from rasa_addons.ticket_queue import Renewer, TicketLost, TicketQueue


def test_tickets_are_served_in_order_and_keys_are_removed(redis_client) -> None:
    q = TicketQueue(redis_client, ttl_ms=5000)
    a, b, c = (q.issue("conv") for _ in range(3))
    assert a < b < c
    assert q.try_acquire("conv", a) and not q.try_acquire("conv", b) and not q.try_acquire("conv", c)
    assert q.release("conv", a) == 2
    assert q.try_acquire("conv", b) and not q.try_acquire("conv", c)
    q.release("conv", b)
    q.release("conv", c)
    assert redis_client.keys("alock:q:*") == [] and redis_client.keys("alock:e:*") == []


def test_ticket_numbers_are_unique_across_conversations(redis_client) -> None:
    q = TicketQueue(redis_client)
    numbers = [q.issue(f"c{i % 3}") for i in range(30)]
    assert len(set(numbers)) == 30 and numbers == sorted(numbers)


def test_mutual_exclusion_under_threads(redis_client) -> None:
    """8 threads x 40 read-modify-write updates of one value, each under the lock: none lost,
    never two holders at once."""
    import redis

    q = TicketQueue(redis_client, ttl_ms=5000)
    pool_url = redis_client.connection_pool.connection_kwargs
    inside_max = [0]
    errors: list[BaseException] = []

    def worker() -> None:
        client = redis.Redis(host=pool_url["host"], port=pool_url["port"], db=pool_url.get("db", 0))
        try:
            for _ in range(40):
                t = q.issue("shared")
                while not q.try_acquire("shared", t):
                    time.sleep(0.001)
                inside = client.incr("inside")
                inside_max[0] = max(inside_max[0], inside)
                value = int(client.get("value") or 0)
                time.sleep(0.0005)
                client.set("value", value + 1)
                client.decr("inside")
                q.release("shared", t)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors
    assert int(redis_client.get("value")) == 320
    assert inside_max[0] == 1


def test_lock_of_a_dead_holder_frees_after_ttl(redis_client) -> None:
    q = TicketQueue(redis_client, ttl_ms=600)
    dead = q.issue("conv")
    assert q.try_acquire("conv", dead)  # holder "dies" here: no renewals, no release
    waiter = q.issue("conv")
    start = time.monotonic()
    while not q.try_acquire("conv", waiter):
        time.sleep(0.02)
        assert time.monotonic() - start < 3
    waited = time.monotonic() - start
    assert 0.3 < waited < 1.5
    with pytest.raises(TicketLost):
        q.try_acquire("conv", dead)


def test_renewer_keeps_a_long_turn_locked_and_reports_lost_tickets(redis_client) -> None:
    q = TicketQueue(redis_client, ttl_ms=400)
    renewer = Renewer(q)
    holder = q.issue("conv")
    renewer.add("conv", holder)
    assert q.try_acquire("conv", holder)
    other = q.issue("conv")
    renewer.add("conv", other)  # a waiter renews its ticket as well
    time.sleep(1.5)  # almost four lifetimes: the renewer keeps the holder alive
    assert not q.try_acquire("conv", other)
    assert q.try_acquire("conv", holder)
    assert not renewer.was_lost("conv", holder)
    # someone deletes the queue (an operator, a Redis flush): the renewer notices
    q.delete("conv")
    time.sleep(0.4)
    assert renewer.was_lost("conv", holder)
    renewer.discard("conv", holder)
    renewer.discard("conv", other)
    renewer.stop()


def test_ttl_is_bounded_below(redis_client) -> None:
    with pytest.raises(ValueError):
        TicketQueue(redis_client, ttl_ms=50)
