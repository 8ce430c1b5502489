"""A stand-in for Rasa's HTTP API: GET /status and PUT /model (records what it was asked to load)."""
from __future__ import annotations

from typing import Optional

from aiohttp import web

LOADED = web.AppKey("loaded", list)
STATUS = web.AppKey("status", dict)


TOKEN = "fake-rasa-token"


def fake_rasa_app(initial_model: Optional[str], fail: bool = False, token: str = TOKEN) -> web.Application:
    """Like ``rasa run --enable-api --auth-token TOKEN``: 401 without ``?token=``."""

    @web.middleware
    async def auth(request: web.Request, handler):  # type: ignore[no-untyped-def]
        if request.query.get("token") != token:
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        return await handler(request)

    app = web.Application(middlewares=[auth])
    app[LOADED] = []
    app[STATUS] = {"model_file": initial_model, "fail": fail}

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"model_file": request.app[STATUS]["model_file"], "model_id": "x"})

    async def put_model(request: web.Request) -> web.Response:
        body = await request.json()
        if request.app[STATUS]["fail"]:
            return web.json_response({"message": "kaputt"}, status=500)
        request.app[LOADED].append(body["model_file"])
        request.app[STATUS]["model_file"] = body["model_file"]
        return web.Response(status=204)

    app.router.add_get("/status", status)
    app.router.add_put("/model", put_model)
    return app
