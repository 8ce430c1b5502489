"""The web proxy fails loudly: a turn Rasa could not answer or store gives the resident the German
disturbance notice (HTTP 503), and /healthz reports broken dependencies. Against a small fake
Rasa (aiohttp) that answers the way Rasa 3.6 does in each failure."""
from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.config import Settings
from assistant.web.app import create_app


def fake_rasa(mode: dict[str, Any]) -> web.Application:
    app = web.Application()

    async def webhook(request: web.Request) -> web.Response:
        kind = mode["webhook"]
        if kind == "empty":
            return web.json_response([])
        if kind == "error":
            return web.json_response({"error": "turn_failed"}, status=503)
        if kind == "garbage":
            return web.Response(text="<html>", content_type="text/html")
        mode.setdefault("senders", []).append((await request.json()).get("sender"))
        return web.json_response([{"recipient_id": "x", "text": "Hallo"}])

    async def root(request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa")

    async def ready(request: web.Request) -> web.Response:
        checks = mode["ready"]
        return web.json_response({"checks": checks}, status=200 if all(checks.values()) else 503)

    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/", root)
    app.router.add_get("/webhooks/rest/ready", ready)
    return app


@pytest.fixture()
async def setup():
    mode: dict[str, Any] = {"webhook": "ok", "ready": {"model": True, "tracker_store": True, "lock_store": True}}
    rasa = TestServer(fake_rasa(mode))
    await rasa.start_server()
    actions = TestServer(web.Application())  # no /health route: 404 counts as failing
    await actions.start_server()
    settings = Settings().model_copy(update=dict(rasa_url=str(rasa.make_url("")).rstrip("/"),
                                   chat_rate_per_minute=10000, outage_phone="030 23125 100"))
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    yield client, mode, settings, str(actions.make_url("")).rstrip("/")
    await client.close()
    await rasa.close()
    await actions.close()


async def _chat(client: TestClient, sender: str = "web-abc123") -> tuple[int, Any]:
    resp = await client.post("/api/chat", json={"sender": sender, "message": "Hallo"})
    return resp.status, await resp.json()


@pytest.mark.parametrize("kind", ["empty", "error", "garbage"])
async def test_failed_turn_gives_german_notice(setup, kind: str) -> None:
    client, mode, _, _ = setup
    mode["webhook"] = kind
    status, body = await _chat(client)
    assert status == 503 and body["outage"] is True
    assert body["error"].startswith("Gerade gibt es eine Störung")
    assert "in einer Minute noch einmal" in body["error"] and "030 23125 100" in body["error"]


async def test_answer_passes_through(setup) -> None:
    client, *_ = setup
    assert await _chat(client) == (200, [{"recipient_id": "x", "text": "Hallo"}])


async def test_rasa_down_gives_german_notice() -> None:
    settings = Settings().model_copy(update=dict(rasa_url="http://127.0.0.1:9", chat_rate_per_minute=10000))
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        status, body = await _chat(client)
        assert status == 503 and "Störung" in body["error"]
        health = await client.get("/healthz")
        assert health.status == 503 and (await health.json())["checks"] == {"rasa": False}
        assert (await client.get("/livez")).status == 200
    finally:
        await client.close()


@pytest.mark.parametrize("sender", ["a\x00b", "x" * 200, "", "mit leerzeichen", "ä"])
async def test_client_sender_never_reaches_rasa(setup, sender: str) -> None:
    """Whatever sender a client puts in the body, Rasa (and so its database) only ever sees the
    server-issued ``web:<id>`` (validated ids: assistant/security/identity.py)."""
    client, mode, *_ = setup
    status, body = await _chat(client, sender)
    assert status == 200
    (seen,) = mode["senders"]
    assert seen != sender and seen.startswith("web:") and "\x00" not in seen and len(seen) < 80


async def test_deep_health_reports_broken_dependency(setup) -> None:
    client, mode, settings, actions_url = setup
    ok = await client.get("/healthz?deep=1")
    assert ok.status == 200
    assert (await ok.json())["checks"] == {"rasa": True, "rasa_model": True, "rasa_tracker_store": True,
                                           "rasa_lock_store": True}
    mode["ready"] = {"model": True, "tracker_store": True, "lock_store": False}
    broken = await client.get("/healthz?deep=1")
    assert broken.status == 503 and (await broken.json())["checks"]["rasa_lock_store"] is False
    assert (await client.get("/healthz")).status == 200  # shallow: Rasa answers


async def test_deep_health_checks_configured_action_servers(setup) -> None:
    _, _, settings, actions_url = setup  # that server has no /health route: 404
    client = TestClient(TestServer(create_app(settings.model_copy(update=dict(action_server_urls_raw=actions_url)))))
    await client.start_server()
    try:
        resp = await client.get("/healthz?deep=1")
        assert resp.status == 503 and (await resp.json())["checks"]["action_server_1"] is False
    finally:
        await client.close()
