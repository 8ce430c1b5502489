"""The web app on an aiohttp test server with a small fake of Rasa's REST channel that keeps a
conversation per sender (so a test can see whose conversation a message continued)."""
from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.config import get_settings


class ConversationRasa:
    """``/webhooks/rest/webhook``: answers with how many messages this sender sent before and
    records every (sender, message)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, message = body["sender"], body["message"]
        before = sum(1 for s, _ in self.seen if s == sender)
        self.seen.append((sender, message))
        return web.json_response([{"recipient_id": sender, "text": f"Guten Tag! Nachricht {before + 1} in diesem Gespräch."}])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        return app


def app_environment(var: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(var))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{var / 'assistant.db'}")
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{var / 'tracker.db'}")
    get_settings.cache_clear()


def add_tracker_events(var: Path, sender: str, n: int = 3) -> None:
    """Rows in a tracker ``events`` table like Rasa's SQL tracker store writes them."""
    var.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(var / "tracker.db") as db:
        db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT)")
        db.executemany("INSERT INTO events (sender_id, type_name) VALUES (?, 'user')", [(sender,)] * n)


def tracker_events(var: Path, sender: str) -> int:
    with sqlite3.connect(var / "tracker.db") as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


@asynccontextmanager
async def web_client(var: Path, **overrides: Any) -> AsyncIterator[tuple[TestClient, ConversationRasa]]:
    """(client, fake Rasa) for the real web app with ``overrides`` applied to the settings."""
    from assistant.web.app import create_app

    rasa = ConversationRasa()
    rasa_server = TestServer(rasa.app())
    await rasa_server.start_server()
    base = dict(rasa_url=str(rasa_server.make_url("")).rstrip("/"), chat_rate_per_minute=10_000,
                chat_rate_per_conversation=10_000, new_conversations_per_minute=10_000,
                voice_rate_per_minute=10_000)
    base.update(overrides)
    settings = dataclasses.replace(get_settings(), **base)
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        yield client, rasa
    finally:
        await client.close()
        await rasa_server.close()
