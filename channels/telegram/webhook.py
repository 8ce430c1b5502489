"""Webhook endpoint (production mode) as a small aiohttp application.

PTB's ``run_webhook`` needs tornado (the ``webhooks`` extra), which is not installed, so the
endpoint is ours: it accepts ``POST <path>`` only when the ``X-Telegram-Bot-Api-Secret-Token``
header equals ``TELEGRAM_WEBHOOK_SECRET`` (constant-time comparison) and hands the update to the
PTB application's update queue. Anything else gets 403 and is never parsed.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web
from telegram import Bot, Update

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def secret_matches(received: str | None, expected: str) -> bool:
    """Constant-time check; an empty expected secret never matches."""
    if not expected or received is None:
        return False
    return hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))


def create_webhook_app(bot: Bot, update_queue: "asyncio.Queue[object]", secret: str, path: str) -> web.Application:
    """aiohttp app with ``POST path`` (updates) and ``GET /healthz``."""

    async def receive(request: web.Request) -> web.Response:
        """Verify the secret header, then queue the update for PTB."""
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            logger.warning("webhook request with missing or wrong secret token rejected")
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="bad update")
        if update is None:
            return web.Response(status=400, text="bad update")
        await update_queue.put(update)
        return web.Response(status=200, text="ok")

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app
