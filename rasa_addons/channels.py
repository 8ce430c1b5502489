"""``StrictRestInput``: Rasa's REST channel, but a turn that fails is an HTTP error, not ``[]``.

Rasa's ``RestInput`` catches every exception of a turn and answers HTTP 200 with whatever was
collected - nothing when the lock store is down, and even the full answer when only *saving* the
turn failed, so the resident believes a message was taken that is gone. This channel answers

* 400 ``{"error": "invalid_sender"}`` for a sender id that must not reach the database;
* 503 ``{"error": "turn_failed"}`` when the turn raised (lock store, tracker store, lock lost);

and keeps the name ``rest``, so clients keep calling ``/webhooks/rest/webhook``. Used by
credentials-scaled.yml (``rasa_addons.channels.StrictRestInput:``) instead of ``rest:``.
An action that fails inside a turn is caught by Rasa itself and still gives HTTP 200 ``[]``;
the web proxy and the Telegram bridge treat an empty answer as a disturbance as well.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.sender_ids import is_valid_sender

logger = logging.getLogger(__name__)


class StrictRestInput(RestInput):
    """REST channel that reports failed turns (see module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("strict_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender_id, text = body.get("sender"), body.get("message")
            if not is_valid_sender(sender_id):
                return response.json({"error": "invalid_sender"}, status=400)
            if not isinstance(text, str):
                return response.json({"error": "invalid_message"}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender_id,
                                                 input_channel=body.get("input_channel") or self.name(),
                                                 metadata=body.get("metadata")))
            except CancelledError:
                logger.error("turn of %s cancelled (timeout)", sender_id)
                return response.json({"error": "turn_failed", "reason": "timeout"}, status=503)
            except Exception as exc:  # every failure of a turn is reported, none hidden
                logger.exception("turn of %s failed", sender_id)
                return response.json({"error": "turn_failed", "reason": type(exc).__name__}, status=503)
            return response.json(collector.messages)

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            """Deep health check for the load balancer: model, tracker store, lock store, action server."""
            checks = await readiness(request.app.ctx.agent)
            return response.json({"status": "ok" if all(checks.values()) else "failing", "checks": checks},
                                 status=200 if all(checks.values()) else 503)

        return webhook


async def readiness(agent: Any) -> dict[str, bool]:
    """Cheap checks of what a turn needs; each True/False."""
    import asyncio

    import aiohttp

    checks: dict[str, bool] = {"model": bool(agent and agent.is_ready())}
    if agent is None:
        return checks
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
    if hasattr(store, "ping"):
        checks["tracker_store"] = await asyncio.to_thread(store.ping)
    if hasattr(agent.lock_store, "ping"):
        checks["lock_store"] = await asyncio.to_thread(agent.lock_store.ping)
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is not None and endpoint.url:
        health = endpoint.url.rsplit("/webhook", 1)[0].rstrip("/") + "/health"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
                async with http.get(health) as resp:
                    checks["action_server"] = resp.status == 200
        except Exception:  # noqa: BLE001
            checks["action_server"] = False
    return checks
