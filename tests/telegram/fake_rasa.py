"""A tiny fake of Rasa's REST channel for the bridge tests (aiohttp on 127.0.0.1)."""
from __future__ import annotations

import socket
from typing import Any, Callable, Optional

from aiohttp import web


def free_port() -> int:
    """A port that nothing listens on (at least right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeRasa:
    """``POST /webhooks/rest/webhook`` answering with ``reply(message) -> list[dict]``; records requests."""

    def __init__(self, reply: Optional[Callable[[str], list[dict[str, Any]]]] = None, port: int = 0) -> None:
        self.reply = reply or (lambda message: [{"text": f"Antwort auf: {message}"}])
        self.requests: list[dict[str, Any]] = []
        self.fail_status: Optional[int] = None  # answer every request with this HTTP status
        self.port = port
        self._runner: Optional[web.AppRunner] = None

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.fail_status:
            return web.Response(status=self.fail_status, text="error")
        return web.json_response([{"recipient_id": body["sender"], **m} for m in self.reply(body["message"])])

    async def start(self) -> "FakeRasa":
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
