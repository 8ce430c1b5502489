"""Webhook mode: only requests with the right X-Telegram-Bot-Api-Secret-Token get through."""
from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, Update

from channels.telegram.bridge import Bridge, serve_webhook
from channels.telegram.webhook import SECRET_HEADER, create_webhook_app, secret_matches

from fake_api import FakeTelegram
from fake_rasa import FakeRasa, free_port

SECRET = "s3cr3t_Webhook-Token"
UPDATE = {"update_id": 77, "message": {"message_id": 5, "date": 1_700_000_000, "text": "Hallo",
                                       "chat": {"id": 99, "type": "private"},
                                       "from": {"id": 99, "is_bot": False, "first_name": "Erika"}}}


def test_secret_matches() -> None:
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches(SECRET + "x", SECRET)
    assert not secret_matches("", SECRET)
    assert not secret_matches(None, SECRET)
    assert not secret_matches("", "")  # no secret configured: nothing is accepted


@pytest.fixture()
async def endpoint() -> Any:
    queue: asyncio.Queue[object] = asyncio.Queue()
    app = create_webhook_app(Bot("123:abc"), queue, SECRET, "/telegram/webhook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/telegram/webhook", queue
    await runner.cleanup()


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]},
                                     {SECRET_HEADER: SECRET.upper()}, {"X-Some-Other-Header": SECRET}])
async def test_forged_or_missing_secret_rejected(endpoint: Any, headers: dict[str, str]) -> None:
    url, queue = endpoint
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=UPDATE, headers=headers) as resp:
            assert resp.status == 403
    assert queue.empty()


async def test_correct_secret_accepted(endpoint: Any) -> None:
    url, queue = endpoint
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=UPDATE, headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 200
        async with session.post(url, data=b"{not json", headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 400
        async with session.get(url, headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 405
    update = queue.get_nowait()
    assert isinstance(update, Update) and update.update_id == 77 and update.effective_message.text == "Hallo"
    assert queue.empty()


async def test_serve_webhook_end_to_end(fake_tg: FakeTelegram, bridge_settings: Any) -> None:
    rasa = await FakeRasa().start()
    port = free_port()
    settings = dataclasses.replace(bridge_settings(rasa.url), webhook_secret=SECRET, webhook_port=port,
                                   webhook_url="https://bot.musterland.example/telegram/webhook")
    bridge = Bridge(settings)
    application = bridge.build_application()
    stop = asyncio.Event()
    task = asyncio.create_task(serve_webhook(application, settings, stop))
    url = f"http://127.0.0.1:{port}{settings.webhook_path}"
    try:
        await fake_tg.wait_for(lambda: fake_tg.calls_of("setWebhook"), what="setWebhook")
        hook = fake_tg.calls_of("setWebhook")[0].params
        assert hook["url"] == settings.webhook_url and hook["secret_token"] == SECRET
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=UPDATE, headers={SECRET_HEADER: "forged"}) as resp:
                assert resp.status == 403
            async with session.post(url, json=UPDATE, headers={SECRET_HEADER: SECRET}) as resp:
                assert resp.status == 200
        await fake_tg.wait_for_text("Antwort auf: Hallo", chat_id=99)
        assert [r["message"] for r in rasa.requests] == ["Hallo"]  # the forged one never reached Rasa
        assert not fake_tg.calls_of("getUpdates")  # no polling in webhook mode
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await rasa.stop()


def test_webhook_mode_requires_secret(bridge_settings: Any) -> None:
    settings = bridge_settings("http://127.0.0.1:1")
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        settings.check_webhook()
    with pytest.raises(ValueError, match="A-Z"):
        dataclasses.replace(settings, webhook_secret="nicht erlaubt!", webhook_url="https://x.example/").check_webhook()
    dataclasses.replace(settings, webhook_secret=SECRET, webhook_url="https://x.example/").check_webhook()


def test_main_refuses_webhook_without_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings
    from channels.telegram.bridge import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["--webhook"]) == 2
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
        get_settings.cache_clear()
        assert main([]) == 2
    finally:
        get_settings.cache_clear()
