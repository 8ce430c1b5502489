"""A stand-in for Rasa's HTTP API: GET /status and PUT /model (records what it was asked to load)."""
from __future__ import annotations

from typing import Optional

from aiohttp import web

LOADED = web.AppKey("loaded", list)
STATUS = web.AppKey("status", dict)


def fake_rasa_app(initial_model: Optional[str], fail: bool = False) -> web.Application:
    app = web.Application()
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
