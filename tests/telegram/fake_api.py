"""A fake Telegram Bot API server for tests (aiohttp on 127.0.0.1, random port).

It implements the methods the bridge uses with Telegram's JSON shapes and error shapes, serves
queued updates through ``getUpdates`` (long polling), serves files under
``/file/bot<token>/<path>``, records every call for assertions, and can inject errors
(e.g. one HTTP 429 with ``retry_after``). Point PTB at it with ``base_url=f"{fake.url}/bot"`` and
``base_file_url=f"{fake.url}/file/bot"`` (the bridge does that when ``TELEGRAM_BASE_URL`` is set).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from aiohttp import web

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Bürgerassistent", "username": "musterland_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "duration", "cache_time"}
JSON_FIELDS = {"reply_markup", "allowed_updates", "link_preview_options", "commands", "entities",
               "reply_parameters", "scope"}
COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]+(@\w+)?")


@dataclass
class Call:
    """One recorded Bot API request."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    error: Optional[int] = None  # error code if an injected error was returned

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def reply_markup(self) -> Optional[dict[str, Any]]:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.reply_markup or {}
        return markup.get("inline_keyboard") or []

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for row in self.keyboard for b in row]


def _parse(key: str, value: str) -> Any:
    if key in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if key in JSON_FIELDS or (key not in ("text", "caption") and value in ("true", "false")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegram:
    """Fake Bot API. Use ``async with FakeTelegram() as fake:`` or ``start()``/``stop()``."""

    def __init__(self, token: str = "123456:TEST-fake-token_abcdefghijklmnop") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._errors: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    # ------------------------------------------------------------------ server
    async def start(self) -> "FakeTelegram":
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegram":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Server root, what ``TELEGRAM_BASE_URL`` should be set to."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ knobs
    def inject_error(self, method: str, error_code: int = 429, description: Optional[str] = None,
                     retry_after: Optional[int] = None, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail with Telegram's error shape."""
        body: dict[str, Any] = {"ok": False, "error_code": error_code}
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
            body["description"] = description or f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = description or {400: "Bad Request", 403: "Forbidden: bot was blocked by the user",
                                                  404: "Not Found"}.get(error_code, "Internal Server Error")
        for _ in range(times):
            self._errors[method].append((error_code, body))

    def inject_429(self, method: str, retry_after: int = 1) -> None:
        """One ``{"ok":false,"error_code":429,...,"parameters":{"retry_after":N}}`` for ``method``."""
        self.inject_error(method, 429, retry_after=retry_after)

    # ------------------------------------------------------------------ the resident's side
    @staticmethod
    def user(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Erika", "language_code": "de"}

    @staticmethod
    def chat(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Erika"}

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self._new_update.set()
        return update

    def _user_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids), "from": self.user(chat_id), "chat": self.chat(chat_id),
                   "date": int(time.time()), **content}
        self.messages[message["message_id"]] = message
        return message

    def send_text(self, chat_id: int, text: str) -> dict[str, Any]:
        """The resident types ``text`` (commands get a ``bot_command`` entity, as Telegram does)."""
        content: dict[str, Any] = {"text": text}
        match = COMMAND_RE.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        return self.push_update({"message": self._user_message(chat_id, **content)})

    def add_file(self, data: bytes, path_prefix: str = "voice", suffix: str = "oga") -> str:
        n = next(self._file_ids)
        file_id = f"FILE{n:04d}-{'x' * 20}"
        self.files[file_id] = (f"{path_prefix}/file_{n}.{suffix}", data)
        return file_id

    def send_voice(self, chat_id: int, data: bytes, duration: int = 3) -> dict[str, Any]:
        """The resident sends a voice note (OGG/Opus bytes), downloadable via getFile."""
        file_id = self.add_file(data)
        voice = {"file_id": file_id, "file_unique_id": file_id[:12], "duration": duration,
                 "mime_type": "audio/ogg", "file_size": len(data)}
        return self.push_update({"message": self._user_message(chat_id, voice=voice)})

    def press_button(self, chat_id: int, message_id: int, data: str) -> str:
        """The resident presses an inline button of a bot message; returns the callback query id."""
        query_id = f"cq{next(self._update_ids)}{int(time.time() * 1000)}"
        message = self.messages.get(message_id) or {"message_id": message_id, "chat": self.chat(chat_id),
                                                     "date": int(time.time()), "text": ""}
        self.push_update({"callback_query": {"id": query_id, "from": self.user(chat_id), "message": message,
                                             "chat_instance": f"ci{chat_id}", "data": data}})
        return query_id

    # ------------------------------------------------------------------ assertions
    def calls_of(self, method: str, chat_id: Optional[int] = None, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (not ok_only or c.error is None)
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def sent_texts(self, chat_id: Optional[int] = None) -> list[str]:
        return [c.text for c in self.calls_of("sendMessage", chat_id)]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; calls: "
                             f"{[(c.method, c.text[:60]) for c in self.calls]}")

    async def wait_for_calls(self, method: str, count: int = 1, chat_id: Optional[int] = None,
                             timeout: float = 30.0) -> list[Call]:
        return await self.wait_for(lambda: (lambda cs: cs if len(cs) >= count else None)(
            self.calls_of(method, chat_id)), timeout, f"{count} x {method}")

    async def wait_for_text(self, needle: str, chat_id: Optional[int] = None, timeout: float = 30.0) -> Call:
        return await self.wait_for(lambda: next((c for c in self.calls_of("sendMessage", chat_id)
                                                 if needle in c.text), None), timeout, f"a message with {needle!r}")

    # ------------------------------------------------------------------ handlers
    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
                return params, files
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                else:
                    params[key] = _parse(key, str(value))
        return params, files

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params, files = await self._params(request)
        call = Call(method, params, files)
        self.calls.append(call)
        queue = self._errors.get(method)
        if queue:
            code, body = queue.popleft()
            call.error = code
            return web.json_response(body, status=code)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            result = await handler(params, files)
        except _ApiError as exc:
            call.error = exc.code
            return web.json_response({"ok": False, "error_code": exc.code, "description": exc.description},
                                     status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.calls.append(Call("download", {"path": path}))
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)

    # methods -----------------------------------------------------------------------------------
    async def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self._updates and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
        return self._updates[:limit]

    async def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = dict(params)
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = {}
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def _m_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    def _bot_message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        message = {"message_id": next(self._message_ids), "from": BOT_USER, "chat": self.chat(chat_id),
                   "date": int(time.time()), **content}
        self.messages[message["message_id"]] = message
        return message

    async def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = str(params.get("text", ""))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                        raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        content: dict[str, Any] = {"text": text}
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            content["reply_markup"] = markup
        return self._bot_message(params.get("chat_id"), **content)

    async def _m_sendVoice(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        data = files.get("voice")
        if data is None:
            raise _ApiError(400, "Bad Request: there is no voice in the request")
        file_id = self.add_file(data)
        voice = {"file_id": file_id, "file_unique_id": file_id[:12], "duration": int(params.get("duration") or 1),
                 "mime_type": "audio/ogg", "file_size": len(data)}
        return self._bot_message(params.get("chat_id"), voice=voice)

    async def _m_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if not params.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return True

    async def _m_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id[:12], "file_size": len(data), "file_path": path}

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
