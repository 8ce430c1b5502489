"""A private redis-server for the lock store tests (one per session)."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scale"))

from redisserver import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    if not server.available:
        pytest.skip("redis-server not installed (Debian package redis-server)")
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def redis_client(redis_server: RedisServer):
    import redis

    client = redis.Redis.from_url(redis_server.url(), socket_timeout=2)
    client.flushdb()
    yield client
    client.close()
