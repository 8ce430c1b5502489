"""aiohttp application. Binds 127.0.0.1 by default; no request leaves the machine except to Rasa.

Routes
  GET  /                       demo page of the fictional county (channels/web/demo.html)
  GET  /static/*               widget assets (channels/web/static)
  POST /api/chat               proxy to Rasa's REST channel  {"message": text} (JSON only), to the
                               conversation's own Rasa process (assistant/rasa_routing.py); the
                               sender is web:<id> from the server-issued credential (cookie or
                               X-Conversation-Token header), never from the body
  DELETE /api/conversation     delete the caller's own conversation (same credential)
  POST /api/stt                audio body -> {"text": ...}
  POST /api/tts                {"text": ...} -> audio/ogg (or ?format=wav)
  POST /api/feedback           {"rating": "up"|"down", "text"} (for the caller's conversation)
  GET  /liste/TOKEN            printable personal checklist
  GET  /termin/CODE.ics        calendar file of a booking
  GET  /healthz                readiness: Rasa answers (?deep=1: tracker/lock store, action servers)
  GET  /livez                  liveness of this process
  GET  /datenschutz            privacy notice for residents (generated from the settings)
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any, Awaitable, Callable, Optional
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from assistant.config import ROOT, Settings, get_settings
from assistant.rasa_routing import candidates
from assistant.security.identity import HEADER_NAME, Conversation, ConversationSigner
from assistant.security.text import MessageTooLong, clean_message, clean_text, is_control_payload
from assistant.web import conversations
from assistant.web.errors import german_errors
from assistant.web.guards import check_origin, client_address, read_json_object, read_limited
from assistant.web.ratelimit import RateLimiter
from assistant.web.resilience import health, outage_response, replies_are_an_answer

logger = logging.getLogger(__name__)
WEB_DIR = ROOT / "channels" / "web"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
CHAT_LIMIT = web.AppKey("chat_limit", RateLimiter)
VOICE_LIMIT = web.AppKey("voice_limit", RateLimiter)
CONV_LIMIT = web.AppKey("conversation_limit", RateLimiter)
NEW_CONV_LIMIT = web.AppKey("new_conversation_limit", RateLimiter)

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
        response.headers["Access-Control-Allow-Headers"] = f"Content-Type, {HEADER_NAME}"
        response.headers["Access-Control-Expose-Headers"] = HEADER_NAME
    if isinstance(response, web.HTTPException) and response.status >= 400:
        raise response
    return response


STATIC_DIR = WEB_DIR / "static"


@web.middleware
async def static_guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """Only existing files under channels/web/static/ reach aiohttp's static handler (whose own
    404 for an unopenable name is an empty, untranslatable response)."""
    if request.path.startswith("/static/"):
        name = request.match_info.get("filename", "")
        try:
            path = (STATIC_DIR / name).resolve()
            ok = "\x00" not in name and path.is_relative_to(STATIC_DIR.resolve()) and path.is_file()
        except (OSError, ValueError):
            ok = False
        if not ok:
            raise web.HTTPNotFound()
    return await handler(request)


def client_key(request: web.Request) -> str:
    """Rate-limit key of the client address (X-Forwarded-For only from trusted proxies)."""
    return client_address(request, request.app[SETTINGS].trusted_proxies)


async def demo_page(request: web.Request) -> web.StreamResponse:
    page = WEB_DIR / "demo.html"
    if not page.is_file():
        return web.Response(text="<!doctype html><html lang=de><title>Bürgerassistent</title><p>Demo-Seite fehlt.",
                            content_type="text/html")
    return web.FileResponse(page, headers={"Cache-Control": "no-cache"})


async def options_handler(request: web.Request) -> web.Response:
    return web.Response(status=204)


def _limited(request: web.Request, conv: Optional[Conversation] = None) -> Optional[web.Response]:
    """429 (German) if this address or this conversation sends too much; new conversations per
    address are limited too, so dropping the cookie does not reset the conversation budget."""
    address = client_key(request)
    if not request.app[CHAT_LIMIT].allow(address):
        return json_error(429, "Zu viele Nachrichten von Ihrem Anschluss. Bitte warten Sie einen Moment.")
    if conv is not None and conv.issued and not request.app[NEW_CONV_LIMIT].allow(address):
        return json_error(429, "Zu viele neue Gespräche. Bitte warten Sie einen Moment.")
    if conv is not None and not request.app[CONV_LIMIT].allow(conv.id):
        return json_error(429, "Zu viele Nachrichten. Bitte warten Sie einen Moment.")
    return None


def rasa_params(request: web.Request) -> dict[str, str]:
    """Query parameters for Rasa's token-protected endpoints."""
    return {"token": request.app[SETTINGS].effective_rasa_token}


async def chat(request: web.Request) -> web.Response:
    """Forward one message to Rasa's REST channel as this browser's own conversation."""
    settings = request.app[SETTINGS]
    check_origin(request, settings.public_url, settings.cors_origins)
    body = await read_json_object(request)
    conv = conversations.current_or_new(request)
    limited = _limited(request, conv)
    if limited is not None:
        return limited
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return json_error(400, "Bitte schreiben Sie eine Nachricht.")
    try:
        message = clean_message(message, settings.max_message_chars)
    except MessageTooLong as exc:
        return json_error(413, exc.user_message)
    if not message:
        return json_error(400, "Bitte schreiben Sie eine Nachricht.")
    if is_control_payload(message):
        return json_error(400, "Diesen Befehl kenne ich nicht. Bitte schreiben Sie Ihre Frage.")
    # "sender" in the body is ignored: the server decides whose conversation this is
    payload: dict[str, Any] = {"sender": conv.sender, "message": message, "input_channel": "web"}
    replies: Any = None
    # the conversation's own Rasa process (a stable hash of the sender); the next one only if the
    # owner refused the connection (nothing was sent, so no turn can run twice)
    for base in candidates(conv.sender, settings.rasa_shard_urls):
        try:
            async with request.app[HTTP].post(base + "/webhooks/rest/webhook", json=payload,
                                              timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout_s)) as resp:
                if resp.status != 200:
                    return outage_response(settings, f"Rasa answered HTTP {resp.status}")
                replies = await resp.json()
                break
        except aiohttp.ClientConnectorError as exc:
            logger.warning("Rasa at %s refused the connection (%s); trying the next process", base, type(exc).__name__)
            continue
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return outage_response(settings, f"Rasa not reachable: {type(exc).__name__}")
    else:
        return outage_response(settings, "Rasa not reachable: no process accepted the connection")
    if not replies_are_an_answer(replies):
        return outage_response(settings, "Rasa answered without a message (an action or a store failed)")
    response = web.json_response(replies)
    conversations.hand_out(request, response, conv, settings.secure_cookies)
    return response


async def delete_conversation(request: web.Request) -> web.Response:
    """Delete this browser's own conversation. ``DELETE /api/conversation`` (the credential says
    which one); the old path form ``/api/conversation/<id>`` must name that same conversation."""
    settings = request.app[SETTINGS]
    check_origin(request, settings.public_url, settings.cors_origins)
    conv = conversations.current(request)
    if conv is None:
        return json_error(403, "Dieses Gespräch gehört nicht zu Ihrem Browser.")
    named = request.match_info.get("sender")
    if named is not None and named not in (conv.id, conv.sender):
        return json_error(403, "Dieses Gespräch gehört nicht zu Ihrem Browser.")
    if not request.app[CHAT_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Anfragen. Bitte warten Sie einen Moment.")
    from assistant.privacy import delete_conversation as delete_all

    deleted = await asyncio.to_thread(delete_all, conv.sender, settings)
    response = web.json_response({"deleted": deleted})
    conversations.forget(request, response, settings.secure_cookies)
    return response


def _voice_status(exc: Exception) -> int:
    return 413 if getattr(exc, "reason", None) == "too_large" else 422


async def stt(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    check_origin(request, settings.public_url, settings.cors_origins)
    if not request.app[VOICE_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Sprachnachrichten. Bitte warten Sie einen Moment.")
    data = await read_limited(request, settings.stt_max_bytes, "Die Aufnahme ist zu groß. Bitte sprechen Sie kürzer.")
    from assistant.voice import service as voice
    from assistant.voice.errors import VoiceError

    try:
        transcript = await voice.transcribe_bytes_async(data)
    except VoiceError as exc:
        return json_error(_voice_status(exc), exc.user_message)
    return web.json_response({"text": clean_text(transcript.text)})


async def tts(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    check_origin(request, settings.public_url, settings.cors_origins)
    if not request.app[VOICE_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Anfragen. Bitte warten Sie einen Moment.")
    body = await read_json_object(request)
    text = body.get("text")
    text = clean_text(text) if isinstance(text, str) else ""
    if not text:
        return json_error(400, "Kein Text zum Vorlesen.")
    fmt = "wav" if request.query.get("format") == "wav" else "ogg"
    from assistant.voice import service as voice
    from assistant.voice.errors import VoiceError

    from assistant.voice.errors import VoiceInputError

    try:
        audio = await voice.speak_async(text[: settings.tts_max_chars], fmt)  # type: ignore[arg-type]
    except VoiceInputError as exc:  # e.g. only symbols: nothing a voice can say
        return json_error(400, exc.user_message)
    except VoiceError as exc:
        return json_error(503, exc.user_message)
    ctype = "audio/wav" if fmt == "wav" else "audio/ogg"
    return web.Response(body=audio, content_type=ctype, headers={"Cache-Control": "no-store"})


async def feedback(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    check_origin(request, settings.public_url, settings.cors_origins)
    body = await read_json_object(request)
    if body.get("rating") not in ("up", "down"):
        return json_error(400, "Ungültige Bewertung.")
    conv = conversations.current(request)
    if conv is None:
        return json_error(403, "Bitte schreiben Sie zuerst eine Nachricht.")
    if not request.app[CHAT_LIMIT].allow(client_key(request)):
        return json_error(429, "Zu viele Anfragen. Bitte warten Sie einen Moment.")
    from assistant.feedback import record

    text = body.get("text")
    bot_text = clean_text(text)[:1000] if isinstance(text, str) else ""
    await asyncio.to_thread(record, sender=conv.sender, rating=body["rating"], bot_text=bot_text, channel="web")
    return web.json_response({"ok": True})


async def checklist_page(request: web.Request) -> web.Response:
    from assistant.kb.provider import get_kb
    from assistant.checklist import store
    from assistant.checklist.engine import build
    from assistant.db import get_sessionmaker
    from assistant.kb.views import effective_service
    from assistant.web.pages import checklist_page as render

    token = request.match_info["token"]
    if not TOKEN_RE.match(token):
        raise web.HTTPNotFound(text="Diese Liste gibt es nicht (mehr).")
    with get_sessionmaker()() as session:
        row = store.get(session, token)
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
    from assistant.kb.provider import get_kb
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
    """Readiness for a load balancer: Rasa answers; ``?deep=1`` also checks tracker store, lock
    store and action servers (see :func:`assistant.web.resilience.health`). 503 when failing."""
    healthy, checks = await health(request.app[HTTP], request.app[SETTINGS], deep=request.query.get("deep") == "1")
    return web.json_response({"status": "ok" if healthy else "failing", "checks": checks},
                             status=200 if healthy else 503)


async def livez(request: web.Request) -> web.Response:
    """Liveness: the web server itself answers (what scripts/run.py watches)."""
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
    app = web.Application(middlewares=[security_headers, german_errors, static_guard], client_max_size=settings.stt_max_bytes + 1024)
    app[SETTINGS] = settings
    app[conversations.SIGNER] = ConversationSigner(settings.effective_conversation_secret)
    app[CHAT_LIMIT] = RateLimiter(settings.chat_rate_per_minute)
    app[CONV_LIMIT] = RateLimiter(settings.chat_rate_per_conversation)
    app[NEW_CONV_LIMIT] = RateLimiter(settings.new_conversations_per_minute)
    app[VOICE_LIMIT] = RateLimiter(settings.voice_rate_per_minute)
    app.router.add_get("/", demo_page)
    app.router.add_static("/static/", STATIC_DIR, show_index=False)
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/{tail:.*}", options_handler)
    app.router.add_delete("/api/conversation", delete_conversation)
    app.router.add_delete("/api/conversation/{sender}", delete_conversation)
    app.router.add_post("/api/stt", stt)
    app.router.add_post("/api/tts", tts)
    app.router.add_post("/api/feedback", feedback)
    app.router.add_get("/liste/{token}", checklist_page)
    app.router.add_get("/termin/{code}.ics", ics)
    app.router.add_get("/datenschutz", privacy_page)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)
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
