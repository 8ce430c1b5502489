"""Failing loudly, in German: what the web proxy says when a turn cannot be answered or stored,
and the health checks a load balancer uses to take a broken instance out.

Kept apart from app.py so that the proxy handler only calls :func:`outage_response`.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web

from assistant.config import Settings

logger = logging.getLogger(__name__)


def outage_text(settings: Settings) -> str:
    """The message for a disturbance: what happened, what to do, whom to call."""
    phone = f" Wenn es eilt, rufen Sie uns an: {settings.outage_phone}." if settings.outage_phone else ""
    return ("Gerade gibt es eine Störung, deshalb konnte ich Ihre Nachricht nicht bearbeiten. "
            "Bitte schicken Sie sie in einer Minute noch einmal." + phone)


def outage_response(settings: Settings, reason: str) -> web.Response:
    """HTTP 503 with the German text in ``error`` (the widget shows it and keeps the typed text)."""
    logger.warning("turn not answered: %s", reason)
    return web.json_response({"error": outage_text(settings), "outage": True}, status=503)


def replies_are_an_answer(replies: Any) -> bool:
    """Rasa answers HTTP 200 ``[]`` when an action failed or the turn broke: that is no answer."""
    return isinstance(replies, list) and any(isinstance(m, dict) and (m.get("text") or m.get("buttons")
                                                                      or m.get("image") or m.get("custom")
                                                                      or m.get("attachment")) for m in replies)


async def _get(http: aiohttp.ClientSession, url: str, timeout: float = 3.0) -> tuple[bool, Any]:
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            body: Any = None
            if resp.content_type == "application/json":
                body = await resp.json()
            return resp.status == 200, body
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
        return False, None


async def health(http: aiohttp.ClientSession, settings: Settings, deep: bool) -> tuple[bool, dict[str, Any]]:
    """``rasa``: Rasa (or its load balancer) answers. With ``deep``: Rasa's own deep check of
    model, tracker store, lock store and action server (scaled profile: /webhooks/rest/ready; a
    Rasa without it reports only ``rasa``), and every configured action server's /health."""
    base = settings.rasa_url.rstrip("/")
    checks: dict[str, Any] = {"rasa": (await _get(http, base + "/"))[0]}
    # embedded profile with several Rasa processes: each one (rasa_2, rasa_3, ...)
    for i, url in enumerate(u for u in settings.rasa_shard_urls if u != base):
        checks[f"rasa_{i + 2}"] = (await _get(http, url + "/"))[0]
    if deep and checks["rasa"]:
        ok, body = await _get(http, base + "/webhooks/rest/ready")
        if isinstance(body, dict) and isinstance(body.get("checks"), dict):
            checks.update({f"rasa_{k}": bool(v) for k, v in body["checks"].items()})
        elif not ok and body is not None:
            checks["rasa_ready"] = False
    if deep:
        for i, url in enumerate(settings.action_server_urls):
            checks[f"action_server_{i + 1}"] = (await _get(http, url + "/health"))[0]
    healthy = all(v for v in checks.values())
    return healthy, checks
