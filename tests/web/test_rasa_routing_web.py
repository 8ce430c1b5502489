"""The web proxy splits conversations between several Rasa processes by the sender's stable hash:
every message of one conversation reaches the same process, both processes get conversations, and
a process that refuses connections (being restarted) is covered by the other one. Against two small
fake Rasa servers (aiohttp) that record who sent what."""
from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.config import Settings
from assistant.rasa_routing import rasa_for
from assistant.security.identity import HEADER_NAME, WEB_PREFIX
from assistant.web.app import create_app
from tests.web.test_resilience import fake_rasa


async def _start(*urls: str) -> TestClient:
    settings = Settings().model_copy(update=dict(rasa_url=urls[0], rasa_shard_urls_raw=",".join(urls),
                                                 chat_rate_per_minute=100000, chat_rate_per_conversation=100000,
                                                 new_conversations_per_minute=100000))
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


async def _conversation(client: TestClient, turns: int) -> str:
    """A new web conversation with ``turns`` messages; returns its Rasa sender id."""
    token = ""
    for i in range(turns):
        resp = await client.post("/api/chat", json={"message": f"Nachricht {i}"}, headers={HEADER_NAME: token})
        assert resp.status == 200, await resp.text()
        token = resp.headers.get(HEADER_NAME) or token
    return WEB_PREFIX + token.partition(".")[0]


@pytest.fixture()
async def two_rasas():
    modes: list[dict[str, Any]] = [{"webhook": "ok", "ready": {}}, {"webhook": "ok", "ready": {}}]
    servers = [TestServer(fake_rasa(m)) for m in modes]
    for s in servers:
        await s.start_server()
    yield modes, [str(s.make_url("")).rstrip("/") for s in servers]
    for s in servers:
        await s.close()


async def test_each_conversation_stays_on_its_own_process(two_rasas) -> None:
    modes, urls = two_rasas
    client = await _start(*urls)
    try:
        senders = [await _conversation(client, 3) for _ in range(12)]
    finally:
        await client.close()
    for sender in senders:
        owner = urls.index(rasa_for(sender, urls))
        assert modes[owner]["senders"].count(sender) == 3
        assert sender not in modes[1 - owner]["senders"]
    assert modes[0]["senders"] and modes[1]["senders"], "both processes answer conversations"


async def test_a_process_that_refuses_connections_is_covered(two_rasas) -> None:
    modes, urls = two_rasas
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"  # nothing listens there
    client = await _start(dead, urls[0])
    try:
        senders = [await _conversation(client, 2) for _ in range(8)]
        health = await client.get("/healthz")
        assert health.status == 503 and (await health.json())["checks"]["rasa"] is False
    finally:
        await client.close()
    assert sorted(set(modes[0]["senders"])) == sorted(senders)  # every conversation answered by the live one
