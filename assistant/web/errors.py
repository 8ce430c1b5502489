"""German error responses for every 4xx/5xx: JSON under /api/, a small HTML page elsewhere.

aiohttp's own errors ("404: Not Found", "500 Internal Server Error") are English and, for
unexpected exceptions, leak nothing useful to a resident. This middleware is the outermost one:
handlers may raise ``web.HTTPException`` with a German ``text`` (kept) or without (replaced).
"""
from __future__ import annotations

import json
import logging
from html import escape
from typing import Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)

GERMAN = {
    400: "Ungültige Anfrage.",
    401: "Bitte melden Sie sich an.",
    403: "Das ist nicht erlaubt.",
    404: "Diese Seite gibt es nicht.",
    405: "Diese Anfrage ist hier nicht möglich.",
    408: "Die Anfrage hat zu lange gedauert. Bitte versuchen Sie es noch einmal.",
    413: "Die Anfrage ist zu groß.",
    414: "Die Adresse ist zu lang.",
    415: "Dieses Datenformat wird nicht unterstützt. Bitte senden Sie JSON.",
    422: "Die Eingabe konnte nicht verarbeitet werden.",
    429: "Zu viele Anfragen. Bitte warten Sie einen Moment.",
    500: "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es gleich noch einmal.",
    502: "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
    503: "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
    504: "Der Assistent hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal.",
}


def german_message(status: int) -> str:
    return GERMAN.get(status) or (GERMAN[500] if status >= 500 else GERMAN[400])


def _is_default_text(exc: web.HTTPException) -> bool:
    text = exc.text or ""
    return not text or text == f"{exc.status}: {exc.reason}" or text.startswith(f"{exc.status}: ")


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_response(request: web.Request, status: int, message: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    """German JSON (API) or HTML error with ``status``."""
    if _is_api(request):
        resp = web.json_response({"error": message}, status=status)
    else:
        page = ("<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>Fehler {status}</title><link rel=\"stylesheet\" href=\"/static/print.css\"></head>"
                f"<body><main><h1>Das hat leider nicht geklappt</h1><p>{escape(message)}</p>"
                "<p><a href=\"/\">Zur Startseite</a></p></main></body></html>")
        resp = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _message_of(exc: web.HTTPException) -> str:
    if _is_default_text(exc):
        return german_message(exc.status)
    if exc.content_type == "application/json":
        try:
            return str(json.loads(exc.text or "{}").get("error") or german_message(exc.status))
        except (ValueError, AttributeError):
            return german_message(exc.status)
    return exc.text or german_message(exc.status)


KEEP_HEADERS = ("Allow", "Retry-After", "Location")


@web.middleware
async def german_errors(request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: exc.headers[k] for k in KEEP_HEADERS if k in exc.headers}
        return error_response(request, exc.status, _message_of(exc), headers)
    except (ConnectionResetError, asyncio_cancelled()):
        raise
    except (OSError, ValueError) as exc:
        if request.path.startswith("/static/"):  # a file name the OS refuses (too long, NUL): no such file
            return error_response(request, 404, GERMAN[404])
        logger.exception("unhandled error on %s %s", request.method, request.path)
        del exc
        return error_response(request, 500, GERMAN[500])
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500, GERMAN[500])
    if response.status >= 400 and not response.prepared:
        ctype = response.content_type or ""
        body = response.body if isinstance(response, web.Response) else None
        if not isinstance(response, web.Response) or ctype.startswith("text/plain") or not body:
            return error_response(request, response.status, german_message(response.status))
    return response


def asyncio_cancelled() -> type[BaseException]:
    import asyncio

    return asyncio.CancelledError
