"""A small client for Rasa's REST channel (``POST /webhooks/rest/webhook``).

One :class:`aiohttp.ClientSession` per bridge, opened in ``post_init`` and closed in
``post_shutdown``. Failures are split into :class:`RasaUnavailable` (worth retrying later: connection
refused, timeout, HTTP 5xx) and :class:`RasaError` (anything else).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional, Sequence, Union

import aiohttp

from assistant.rasa_routing import candidates

logger = logging.getLogger(__name__)

INPUT_CHANNEL = "telegram"
SENDER_PREFIX = "tg:"


def sender_for(chat_id: int) -> str:
    """Rasa sender of a Telegram chat. Only the bridge builds it; the web server issues ``web:…``
    ids and can never name a ``tg:…`` conversation."""
    return f"{SENDER_PREFIX}{int(chat_id)}"


def chat_of(sender: str) -> int:
    """Inverse of :func:`sender_for`; also accepts the bare chat ids stored before the prefix."""
    return int(sender.removeprefix(SENDER_PREFIX))


class RasaError(Exception):
    """Rasa answered, but not with something the bridge can use."""


class RasaUnavailable(RasaError):
    """Rasa could not be reached or is temporarily failing; retry later."""


class RasaNoAnswer(RasaError):
    """Rasa answered HTTP 200 with no message: an action or a store failed during the turn."""


class RasaClient:
    """Forwards one message per call and returns Rasa's bot messages."""

    def __init__(self, base_url: Union[str, Sequence[str]], timeout: float = 30.0) -> None:
        # several Rasa processes (embedded profile): each chat always goes to the same one
        # (assistant/rasa_routing.py); the others only when it refuses the connection
        bases = [base_url] if isinstance(base_url, str) else list(base_url)
        self.urls = [b.rstrip("/") + "/webhooks/rest/webhook" for b in bases]
        self.url = self.urls[0]
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send ``message`` as ``sender`` and return the bot messages (``text``, ``buttons``, ...)."""
        if self._session is None:
            await self.start()
        assert self._session is not None
        body = {"sender": sender, "message": message, "input_channel": INPUT_CHANNEL}
        try:
            data = await self._post_to_owner(sender, body)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise RasaUnavailable(f"Rasa not reachable: {type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # invalid JSON
            raise RasaError(f"Rasa sent invalid JSON: {exc}") from exc
        if not isinstance(data, list):
            raise RasaError(f"Rasa sent {type(data).__name__}, expected a list")
        messages = [m for m in data if isinstance(m, dict)]
        if not messages:
            raise RasaNoAnswer("Rasa answered without a message")
        return messages

    async def _post_to_owner(self, sender: str, body: dict[str, Any]) -> Any:
        assert self._session is not None
        urls = candidates(sender, self.urls)
        for i, url in enumerate(urls):
            try:
                async with self._session.post(url, json=body) as resp:
                    if resp.status >= 500 or resp.status in (408, 429):
                        raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                    if resp.status >= 400:
                        raise RasaError(f"Rasa answered HTTP {resp.status}")
                    return await resp.json(content_type=None)
            except aiohttp.ClientConnectorError:
                # nothing was sent: the next process may take the turn
                if i == len(urls) - 1:
                    raise
        raise RasaUnavailable("no Rasa URL")
