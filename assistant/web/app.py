"""aiohttp application. Binds 127.0.0.1 by default; no request leaves the machine except to Rasa.

Routes
  GET  /                       demo page of the fictional county (channels/web/demo.html)
  GET  /static/*               widget assets (channels/web/static)
  POST /api/chat               proxy to Rasa's REST channel  {"sender": id, "message": text}
  DELETE /api/conversation/ID  delete a conversation (tracker events) server-side
  POST /api/stt                audio body -> {"text": ...}
  POST /api/tts                {"text": ...} -> audio/ogg (or ?format=wav)
  POST /api/feedback           {"sender", "rating": "up"|"down", "text"}
  GET  /liste/TOKEN            printable personal checklist
  GET  /termin/CODE.ics        calendar file of a booking
  GET  /datenschutz            privacy notice for residents (generated from the settings)
  GET  /healthz                liveness
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from typing import Any, Awaitable, Callable, Optional
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from assistant.config import ROOT, Settings, get_settings
from assistant.web.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
WEB_DIR = ROOT / "channels" / "web"
MAX_MESSAGE_CHARS = 2000
SENDER_RE = re.compile(r"^[A-Za-z0-9_\-:.]{1,80}$")

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
CHAT_LIMIT = web.AppKey("chat_limit", RateLimiter)
VOICE_LIMIT = web.AppKey("voice_limit", RateLimiter)

CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def security_headers(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
    if not request.path.startswith("/api/") and not request.path.startswith("/static/"):
        response.headers.setdefault("Content-Security-Policy", CSP)
    origin = request.headers.get("Origin")
    allowed = request.app[SETTINGS].cors_origins
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    if isinstance(response, web.HTTPException) and response.status >= 400:
        raise response
    return response


def client_key(request: web.Request) -> str:
    return request.remote or "unknown"


async def demo_page(request: web.Request) -> web.StreamResponse:
    page = WEB_DIR / "demo.html"
    if not page.is_file():
        return web.Response(text="<!doctype html><html lang=de><title>Bürgerassistent</title><p>Demo-Seite fehlt.",
                            content_type="text/html")
    return web.FileResponse(page, headers={"Cache-Control": "no-cache"})


async def options_handler(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def chat(request: web.Request) -> web.Response:
    """Forward one message to Rasa's REST channel and return its replies."""
    if not request.app[CHAT_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Nachrichten. Bitte warten Sie einen Moment.")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return json_error(400, "Ungültige Anfrage.")
    if not isinstance(body, dict):
        return json_error(400, "Ungültige Anfrage.")
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_RE.match(sender):
        return json_error(400, "Ungültige Absender-Kennung.")
    if not isinstance(message, str) or not message.strip():
        return json_error(400, "Bitte schreiben Sie eine Nachricht.")
    if len(message) > MAX_MESSAGE_CHARS:
        return json_error(413, f"Die Nachricht ist zu lang (höchstens {MAX_MESSAGE_CHARS} Zeichen).")
    message = message.replace("\x00", "")
    payload: dict[str, Any] = {"sender": sender, "message": message, "input_channel": "web"}
    url = request.app[SETTINGS].rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    try:
        async with request.app[HTTP].post(url, json=payload, timeout=aiohttp.ClientTimeout(total=60)) as resp:
            if resp.status != 200:
                logger.warning("Rasa answered HTTP %s", resp.status)
                return json_error(502, "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.")
            replies = await resp.json()
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("Rasa not reachable: %s", type(exc).__name__)
        return json_error(503, "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.")
    return web.json_response(replies)


async def delete_conversation(request: web.Request) -> web.Response:
    sender = request.match_info["sender"]
    if not SENDER_RE.match(sender):
        return json_error(400, "Ungültige Absender-Kennung.")
    from assistant.privacy import delete_conversation as delete_all

    deleted = delete_all(sender, request.app[SETTINGS])
    return web.json_response({"deleted": deleted})


async def stt(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not request.app[VOICE_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Sprachnachrichten. Bitte warten Sie einen Moment.")
    if request.content_length and request.content_length > settings.stt_max_bytes:
        return json_error(413, "Die Aufnahme ist zu groß. Bitte sprechen Sie kürzer.")
    data = await request.content.read(settings.stt_max_bytes + 1)
    if len(data) > settings.stt_max_bytes:
        return json_error(413, "Die Aufnahme ist zu groß. Bitte sprechen Sie kürzer.")
    from assistant.voice import service as voice
    from assistant.voice.errors import VoiceError

    try:
        transcript = await voice.transcribe_bytes_async(data)
    except VoiceError as exc:
        return json_error(422, exc.user_message)
    return web.json_response({"text": transcript.text})


async def tts(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not request.app[VOICE_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Anfragen. Bitte warten Sie einen Moment.")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return json_error(400, "Ungültige Anfrage.")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return json_error(400, "Kein Text zum Vorlesen.")
    fmt = "wav" if request.query.get("format") == "wav" else "ogg"
    from assistant.voice import service as voice
    from assistant.voice.errors import VoiceError

    try:
        audio = await voice.speak_async(text[: settings.tts_max_chars], fmt)  # type: ignore[arg-type]
    except VoiceError as exc:
        return json_error(503, exc.user_message)
    ctype = "audio/wav" if fmt == "wav" else "audio/ogg"
    return web.Response(body=audio, content_type=ctype, headers={"Cache-Control": "no-store"})


async def feedback(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return json_error(400, "Ungültige Anfrage.")
    if not isinstance(body, dict) or body.get("rating") not in ("up", "down"):
        return json_error(400, "Ungültige Bewertung.")
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER_RE.match(sender):
        return json_error(400, "Ungültige Absender-Kennung.")
    from assistant.feedback import record

    record(sender=sender, rating=body["rating"], bot_text=str(body.get("text", ""))[:1000], channel="web")
    return web.json_response({"ok": True})


async def checklist_page(request: web.Request) -> web.Response:
    from assistant.actions.common import get_kb
    from assistant.checklist import store
    from assistant.checklist.engine import build
    from assistant.db import get_sessionmaker
    from assistant.kb.views import effective_service
    from assistant.web.pages import checklist_page as render

    with get_sessionmaker()() as session:
        row = store.get(session, request.match_info["token"])
        if row is None:
            raise web.HTTPNotFound(text="Diese Liste gibt es nicht (mehr).")
        service, municipality, answers = row.service_slug, row.municipality_id, dict(row.answers)
    kb = get_kb()
    if service not in kb.services:
        raise web.HTTPNotFound(text="Diese Leistung gibt es nicht mehr.")
    eff = effective_service(kb, service, municipality)
    valid = {k: v for k, v in answers.items() if k in eff.service.situations}
    checklist = build(eff, valid)
    lines = []
    if eff.office:
        lines = [eff.office.name, f"{eff.office.address.street}, {eff.office.address.postcode} {eff.office.address.city}",
                 f"Telefon: {eff.office.phone}"]
    return web.Response(text=render(checklist, lines, kb.county.demo), content_type="text/html")


async def ics(request: web.Request) -> web.Response:
    from assistant.actions.common import get_kb
    from assistant.booking import service
    from assistant.booking.ics import appointment_ics
    from assistant.checklist.engine import build
    from assistant.db import get_sessionmaker
    from assistant.kb.views import effective_service

    code = request.match_info["code"].upper()
    if not re.fullmatch(r"[A-Z0-9]{6}", code):
        raise web.HTTPNotFound()
    with get_sessionmaker()() as session:
        appt = service.get(session, code)
        if appt is None:
            raise web.HTTPNotFound(text="Diesen Termin gibt es nicht (mehr).")
        office_id, slug, start, end = appt.office_id, appt.service_slug, service.utc(appt.start), service.utc(appt.end)
    kb = get_kb()
    office = kb.offices[office_id]
    docs = [d.name for d in build(effective_service(kb, slug, None), {}).needed]
    tz = ZoneInfo(request.app[SETTINGS].timezone)
    body = appointment_ics(code, office, kb.services[slug].name, start, end, docs, tz, dt.datetime.now(dt.timezone.utc))
    return web.Response(body=body.encode("utf-8"), content_type="text/calendar", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="termin-{code}.ics"'})


async def privacy_page(request: web.Request) -> web.Response:
    from assistant.privacy_notice import notice_html

    return web.Response(text=notice_html(request.app[SETTINGS]), content_type="text/html",
                        headers={"Cache-Control": "no-cache"})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


PURGE = web.AppKey("purge", asyncio.Task)
PURGE_INTERVAL_S = 6 * 3600


def purge_expired(settings: Settings) -> int:
    """Delete appointments, callbacks, saved checklists and conversation events past their retention."""
    from assistant.privacy import purge_all

    return sum(purge_all(settings).values())


async def _purge_loop(app: web.Application) -> None:
    while True:
        try:
            n = await asyncio.to_thread(purge_expired, app[SETTINGS])
            if n:
                logger.info("retention: deleted %d expired records", n)
        except Exception:
            logger.exception("retention purge failed")
        await asyncio.sleep(PURGE_INTERVAL_S)


async def _on_startup(app: web.Application) -> None:
    app[HTTP] = aiohttp.ClientSession()
    app[PURGE] = asyncio.create_task(_purge_loop(app))


async def _on_cleanup(app: web.Application) -> None:
    app[PURGE].cancel()
    await app[HTTP].close()


def create_app(settings: Optional[Settings] = None) -> web.Application:
    settings = settings or get_settings()
    app = web.Application(middlewares=[security_headers], client_max_size=settings.stt_max_bytes + 1024)
    app[SETTINGS] = settings
    app[CHAT_LIMIT] = RateLimiter(settings.chat_rate_per_minute)
    app[VOICE_LIMIT] = RateLimiter(settings.voice_rate_per_minute)
    app.router.add_get("/", demo_page)
    app.router.add_static("/static/", WEB_DIR / "static", show_index=False)
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/{tail:.*}", options_handler)
    app.router.add_delete("/api/conversation/{sender}", delete_conversation)
    app.router.add_post("/api/stt", stt)
    app.router.add_post("/api/tts", tts)
    app.router.add_post("/api/feedback", feedback)
    app.router.add_get("/liste/{token}", checklist_page)
    app.router.add_get("/termin/{code}.ics", ics)
    app.router.add_get("/datenschutz", privacy_page)
    app.router.add_get("/healthz", healthz)
    try:
        from assistant.curation.web import setup_staff_routes
    except ModuleNotFoundError:
        setup_staff_routes = None
    if setup_staff_routes:
        setup_staff_routes(app)
    app.on_startup.append(_on_startup)
    app.on_cleanup.append(_on_cleanup)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from assistant.redaction import install_log_redaction

    install_log_redaction()
    settings = get_settings()
    web.run_app(create_app(settings), host=settings.web_host, port=settings.web_port, print=None,
                access_log=None)


if __name__ == "__main__":
    main()
