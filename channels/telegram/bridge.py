"""Telegram bridge: python-telegram-bot (PTB 22) in front of Rasa's REST channel.

Every text message (and every transcribed voice note, and every button press) is forwarded to
``POST {rasa_url}/webhooks/rest/webhook`` with ``sender = "tg:<chat_id>"`` and
``input_channel = "telegram"``; Rasa's replies are sent back as plain text (Telegram turns URLs
into links) with inline keyboards for buttons. Rasa's tracker owns the conversation; the bridge
only keeps the callback-key map, the voice preference and an outbox for times when Rasa is down
(:mod:`.state`).

Run: ``python -m channels.telegram`` (long polling) or ``python -m channels.telegram --webhook``.
All handlers are registered in :meth:`Bridge.register`.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import signal
import time
import weakref
from typing import Any, AsyncIterator, Callable, Optional, Sequence
from zoneinfo import ZoneInfo

from aiohttp import web
from telegram import BotCommand, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from assistant.config import get_settings
from assistant.voice import service as voice
from assistant.voice.errors import DEFAULT_INPUT_MESSAGE, VoiceError

from . import keyboard as kbd
from . import texts
from assistant.security.text import MessageTooLong, clean_message, clean_text

from .rasa_client import RasaClient, RasaError, RasaNoAnswer, RasaUnavailable, sender_for
from .reminders import send_due_reminders
from .retry import RetryingRateLimiter, with_retries
from .settings import BridgeSettings
from .splitting import split_message
from .state import BridgeState
from .webhook import create_webhook_app

logger = logging.getLogger(__name__)

BOT_COMMANDS = [
    BotCommand("hilfe", "Was ich kann"),
    BotCommand("datenschutz", "Welche Daten ich speichere"),
    BotCommand("loeschen", "Meinen Verlauf löschen"),
    BotCommand("stimme", "Sprachantworten an oder aus"),
]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CALLBACK_MAX_AGE = 180 * 24 * 3600.0
Context = ContextTypes.DEFAULT_TYPE


class Bridge:
    """Handlers and background tasks of the bridge; one instance per process."""

    def __init__(self, settings: BridgeSettings, *, state: Optional[BridgeState] = None,
                 rasa: Optional[RasaClient] = None, sessionmaker: Any = None,
                 kb_loader: Optional[Callable[[], Any]] = None) -> None:
        self.settings = settings
        self.state = state or BridgeState(settings.effective_state_path)
        self.rasa = rasa or RasaClient(settings.rasa_urls or settings.rasa_url, settings.rasa_timeout)
        self.tz = ZoneInfo(settings.timezone)
        self._sessionmaker = sessionmaker
        self._kb_loader = kb_loader
        self._locks: "weakref.WeakValueDictionary[int, asyncio.Lock]" = weakref.WeakValueDictionary()
        self._tasks: list[asyncio.Task[None]] = []
        self.application: Optional[Application] = None

    # ------------------------------------------------------------------ application & lifecycle
    def build_application(self) -> Application:
        """The PTB application with every handler registered (see :meth:`register`)."""
        s = self.settings
        logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the bot token
        builder = (
            Application.builder()
            .token(s.token)
            .rate_limiter(RetryingRateLimiter(max_retries=s.max_retries))
            .concurrent_updates(max(1, s.concurrent_updates))
            .connect_timeout(10)
            .read_timeout(30)
            .write_timeout(60)
            .post_init(self.post_init)
            .post_stop(self.post_stop)
            .post_shutdown(self.post_shutdown)
        )
        if s.base_url:
            builder = builder.base_url(s.api_base_url).base_file_url(s.api_base_file_url)
        application = builder.build()
        self.register(application)
        self.application = application
        return application

    def register(self, application: Application) -> None:
        """All handlers, in one place. Only private chats are served."""
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        application.add_handler(CommandHandler("start", self.on_start, filters=private))
        application.add_handler(CommandHandler(["hilfe", "help"], self.on_help, filters=private))
        application.add_handler(CommandHandler("datenschutz", self.on_privacy, filters=private))
        application.add_handler(CommandHandler("loeschen", self.on_delete_request, filters=private))
        application.add_handler(CommandHandler("stimme", self.on_voice_setting, filters=private))
        application.add_handler(MessageHandler(private & filters.COMMAND, self.on_unknown_command))
        application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.on_text))
        application.add_handler(MessageHandler(private & (filters.VOICE | filters.AUDIO), self.on_voice))
        application.add_handler(MessageHandler(private, self.on_other))
        application.add_handler(CallbackQueryHandler(self.on_callback))
        application.add_error_handler(self.on_error)

    async def post_init(self, application: Application) -> None:
        """Open the Rasa client, publish the command list, start reminder and outbox tasks."""
        await self.rasa.start()
        self.state.prune_callbacks(CALLBACK_MAX_AGE)
        try:
            await application.bot.set_my_commands(BOT_COMMANDS)
        except TelegramError as exc:
            logger.warning("could not set the command list: %s", type(exc).__name__)
        if self.settings.reminder_interval > 0:
            self._tasks.append(asyncio.create_task(self._reminder_loop(application), name="tg-reminders"))
        if self.settings.outbox_retry_interval > 0:
            self._tasks.append(asyncio.create_task(self._outbox_loop(application), name="tg-outbox"))

    async def post_stop(self, application: Application) -> None:
        """Stop background tasks while the bot is still usable."""
        await self._cancel_tasks()

    async def post_shutdown(self, application: Application) -> None:
        """Cancel background tasks (if still running), close the Rasa client and the state file."""
        await self._cancel_tasks()
        await self.rasa.close()
        self.state.close()

    async def _cancel_tasks(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """One lock per chat keeps the replies of one conversation in order."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock

    # ------------------------------------------------------------------ commands
    async def on_start(self, update: Update, context: Context) -> None:
        """/start: greeting, what the assistant can do, a privacy note and topic buttons."""
        assert update.effective_chat is not None
        board = kbd.build_keyboard(texts.START_BUTTONS, self.state.remember_callback)
        await self.send_text(context.bot, update.effective_chat.id, texts.START, board.markup())

    async def on_help(self, update: Update, context: Context) -> None:
        """/hilfe: how to ask, what is known, the commands."""
        assert update.effective_chat is not None
        await self.send_text(context.bot, update.effective_chat.id, texts.HELP)

    async def on_privacy(self, update: Update, context: Context) -> None:
        """/datenschutz: what is stored, for how long, and how to delete it."""
        assert update.effective_chat is not None
        from assistant.privacy_notice import notice_text

        text = notice_text(get_settings(), "telegram", max(1, round(self.settings.outbox_max_age / 60)))
        await self.send_text(context.bot, update.effective_chat.id, text)

    async def on_delete_request(self, update: Update, context: Context) -> None:
        """/loeschen: ask for confirmation (the deletion happens in :meth:`on_callback`)."""
        assert update.effective_chat is not None
        await self.send_text(context.bot, update.effective_chat.id, texts.DELETE_QUESTION,
                             kbd.delete_confirmation())

    async def on_voice_setting(self, update: Update, context: Context) -> None:
        """/stimme an|aus: spoken replies to voice notes on or off."""
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        arg = (context.args or [""])[0].strip().lower() if context.args else ""
        if arg in ("an", "ein", "on"):
            self.state.set_voice_replies(chat_id, True)
            await self.send_text(context.bot, chat_id, texts.VOICE_ON)
        elif arg in ("aus", "off"):
            self.state.set_voice_replies(chat_id, False)
            await self.send_text(context.bot, chat_id, texts.VOICE_OFF)
        else:
            await self.send_text(context.bot, chat_id, texts.voice_usage(self.state.voice_replies(chat_id)))

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        """Any other ``/command``: never forwarded (it would reach Rasa as an intent payload)."""
        assert update.effective_chat is not None
        await self.send_text(context.bot, update.effective_chat.id, texts.UNKNOWN_COMMAND)

    # ------------------------------------------------------------------ messages
    async def on_text(self, update: Update, context: Context) -> None:
        """A typed message: forward to Rasa and send the answer."""
        assert update.effective_chat is not None and update.effective_message is not None
        chat_id = update.effective_chat.id
        try:
            text = clean_message(update.effective_message.text or "", get_settings().max_message_chars)
        except MessageTooLong as exc:
            await self.send_text(context.bot, chat_id, texts.MESSAGE_TOO_LONG.format(limit=exc.limit))
            return
        if not text:
            return
        if text.startswith("/"):  # typed payloads could set intents/entities directly
            await self.send_text(context.bot, chat_id, texts.UNKNOWN_COMMAND)
            return
        async with self.chat_lock(chat_id):
            await self.converse(context.bot, chat_id, text, spoken=False)

    async def on_voice(self, update: Update, context: Context) -> None:
        """A voice note: download, transcribe, confirm what was understood, answer (also spoken)."""
        assert update.effective_chat is not None and update.effective_message is not None
        chat_id = update.effective_chat.id
        message = update.effective_message
        media = message.voice or message.audio
        if media is None:
            return
        async with self.chat_lock(chat_id):
            if media.file_size and media.file_size > get_settings().stt_max_bytes:
                await self.send_text(context.bot, chat_id, texts.VOICE_TOO_LARGE)
                return
            await self._chat_action(context.bot, chat_id, ChatAction.TYPING)
            try:
                tg_file = await context.bot.get_file(media.file_id)
                data = await with_retries(tg_file.download_as_bytearray)
            except TelegramError as exc:
                logger.warning("voice note download failed: %s", type(exc).__name__)
                await self.send_text(context.bot, chat_id, texts.VOICE_DOWNLOAD_FAILED)
                return
            try:
                transcript = await voice.transcribe_bytes_async(bytes(data))
            except VoiceError as exc:
                logger.info("voice note not usable: %s (%s)", exc.reason, exc.detail)
                await self.send_text(context.bot, chat_id, exc.user_message)
                return
            text = " ".join(clean_text(transcript.text).split()).lstrip("/")[:get_settings().max_message_chars]
            if not text:
                await self.send_text(context.bot, chat_id, DEFAULT_INPUT_MESSAGE)
                return
            await self.send_text(context.bot, chat_id, texts.UNDERSTOOD.format(text=text))
            await self.converse(context.bot, chat_id, text, spoken=True)

    async def on_other(self, update: Update, context: Context) -> None:
        """Photos, stickers, documents, ...: explain what works."""
        assert update.effective_chat is not None
        await self.send_text(context.bot, update.effective_chat.id, texts.ONLY_TEXT)

    async def on_callback(self, update: Update, context: Context) -> None:
        """A button press: answer the callback query at once, then act on it."""
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else query.from_user.id

        if data in kbd.FEEDBACK_KEYS:
            await query.answer(texts.FEEDBACK_THANKS)
            await self._record_feedback(query, chat_id, "up" if data == kbd.FEEDBACK_UP else "down")
            return
        if data in (kbd.DELETE_YES, kbd.DELETE_NO):
            await query.answer()
            await self._clear_markup(query)
            if data == kbd.DELETE_YES:
                await self.delete_chat_data(context.bot, chat_id)
            else:
                await self.send_text(context.bot, chat_id, texts.DELETE_CANCELLED)
            return
        # our keys are ASCII; anything else (forged, lone surrogates) cannot be one
        entry = self.state.lookup_callback(data) if kbd.is_payload_key(data) and data.isascii() else None
        if entry is None:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
            return
        payload, title = entry
        await query.answer(title[:190])
        async with self.chat_lock(chat_id):
            await self.converse(context.bot, chat_id, payload, spoken=False)

    async def on_error(self, update: object, context: Context) -> None:
        """Log first; then, if possible, tell the resident that something went wrong."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("error while handling update %s", update_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(Exception):
                await context.bot.send_message(update.effective_chat.id, texts.INTERNAL_ERROR)

    # ------------------------------------------------------------------ conversation with Rasa
    async def converse(self, bot: Any, chat_id: int, text: str, *, spoken: bool) -> bool:
        """Send ``text`` to Rasa and deliver the replies (call with the chat lock held).

        Pending outbox messages of this chat go first, so the order is kept. If Rasa is not
        reachable the text is stored in the outbox and the resident gets a friendly note.
        Returns True if Rasa answered.
        """
        if not await self._flush_chat(bot, chat_id):
            self.state.outbox_add(chat_id, text, spoken)
            await self.send_text(bot, chat_id, texts.RASA_DOWN)
            return False
        await self._chat_action(bot, chat_id, ChatAction.TYPING)
        try:
            replies = await self.rasa.send(sender_for(chat_id), text)
        except RasaUnavailable as exc:
            logger.warning("Rasa unavailable, message kept in the outbox: %s", exc)
            self.state.outbox_add(chat_id, text, spoken)
            await self.send_text(bot, chat_id, texts.RASA_DOWN)
            return False
        except RasaNoAnswer as exc:
            logger.error("Rasa gave no answer: %s", exc)
            await self.send_text(bot, chat_id, texts.outage(self.settings.outage_phone))
            return False
        except RasaError as exc:
            logger.error("Rasa error: %s", exc)
            await self.send_text(bot, chat_id, texts.RASA_ERROR)
            return False
        await self.deliver(bot, chat_id, replies, spoken=spoken)
        return True

    async def deliver(self, bot: Any, chat_id: int, replies: Sequence[dict[str, Any]], *, spoken: bool) -> None:
        """Send Rasa's replies: text split under 4096 characters, buttons as inline keyboards,
        feedback buttons under the last answer, and a voice note if the resident spoke."""
        prepared: list[tuple[str, kbd.Keyboard]] = []
        speech: list[str] = []
        for reply in replies:
            text = str(reply.get("text") or "").strip()
            board = kbd.build_keyboard(reply.get("buttons") or [], self.state.remember_callback)
            if text:
                speech.append(text)
            extra = list(board.link_lines)
            for key in ("image", "attachment"):
                url = _media_url(reply.get(key))
                if url:
                    extra.append(url)
            full = "\n".join([text, *extra]).strip() if extra else text
            if not full and not board.rows:
                continue
            prepared.append((full or texts.BUTTONS_ONLY, board))
        if not prepared:
            await self.send_text(bot, chat_id, texts.NO_ANSWER)
            return
        for index, (text, board) in enumerate(prepared):
            markup = board.markup()
            if self.settings.feedback_buttons and index == len(prepared) - 1 and not board.has_choices:
                markup = InlineKeyboardMarkup([*board.rows, kbd.feedback_row()])
            await self.send_text(bot, chat_id, text, markup)
        if spoken and speech and self.state.voice_replies(chat_id):
            await self.send_speech(bot, chat_id, "\n".join(speech))

    async def send_text(self, bot: Any, chat_id: int, text: str,
                        markup: Optional[InlineKeyboardMarkup] = None) -> Optional[Message]:
        """Plain text (no parse mode: nothing to escape, Telegram links URLs itself), split
        into pieces under 4096 characters; the keyboard goes under the last piece."""
        parts = split_message(text) or [texts.BUTTONS_ONLY]
        last: Optional[Message] = None
        for i, part in enumerate(parts):
            last = await bot.send_message(chat_id=chat_id, text=part, link_preview_options=NO_PREVIEW,
                                          reply_markup=markup if i == len(parts) - 1 else None)
        return last

    async def send_speech(self, bot: Any, chat_id: int, text: str) -> None:
        """Speak ``text`` and send it as a voice note; failures only cost the voice note."""
        await self._chat_action(bot, chat_id, ChatAction.RECORD_VOICE)
        try:
            audio = await voice.speak_async(text, "ogg")
        except VoiceError as exc:
            logger.warning("no spoken reply: %s (%s)", exc.reason, exc.detail)
            return
        try:
            await bot.send_voice(chat_id=chat_id, voice=audio, filename="antwort.ogg")
        except TelegramError as exc:
            logger.warning("voice reply not sent: %s", type(exc).__name__)

    async def _chat_action(self, bot: Any, chat_id: int, action: str) -> None:
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat_id=chat_id, action=action)

    # ------------------------------------------------------------------ outbox
    async def _flush_chat(self, bot: Any, chat_id: int, now: Optional[float] = None) -> bool:
        """Deliver this chat's outbox (chat lock held). False if Rasa is still unreachable."""
        for item in self.state.outbox_items(chat_id):
            age = (now or time.time()) - item.created_at
            if age > self.settings.outbox_max_age:
                self.state.outbox_remove(item.id)
                await self.send_text(bot, chat_id, texts.outbox_expired(item.text))
                continue
            try:
                replies = await self.rasa.send(sender_for(chat_id), item.text)
            except RasaUnavailable:
                self.state.outbox_attempted(item.id)
                return False
            except RasaError as exc:
                logger.error("Rasa error for an outbox message: %s", exc)
                self.state.outbox_remove(item.id)
                await self.send_text(bot, chat_id, texts.RASA_ERROR)
                continue
            self.state.outbox_remove(item.id)  # Rasa has processed it: never send it twice
            await self.send_text(bot, chat_id, texts.outbox_answer_intro(item.text))
            await self.deliver(bot, chat_id, replies, spoken=item.spoken)
        return True

    async def flush_outbox(self, bot: Any) -> None:
        """One pass over all chats with pending messages; stops while Rasa is still down."""
        for chat_id in self.state.outbox_chats():
            async with self.chat_lock(chat_id):
                if not await self._flush_chat(bot, chat_id):
                    return

    async def _outbox_loop(self, application: Application) -> None:
        while True:
            await asyncio.sleep(self.settings.outbox_retry_interval)
            try:
                await self.flush_outbox(application.bot)
            except Exception:
                logger.exception("outbox retry failed")

    # ------------------------------------------------------------------ reminders
    async def send_reminders(self, bot: Any, now: Optional[dt.datetime] = None) -> int:
        """Send every reminder that is due now (appointments tomorrow)."""
        from assistant.db import get_sessionmaker

        sm = self._sessionmaker or get_sessionmaker()
        return await send_due_reminders(bot, sm, now or dt.datetime.now(self.tz), self.tz, self._kb_loader)

    async def _reminder_loop(self, application: Application) -> None:
        while True:
            try:
                now = dt.datetime.now(self.tz)
                if self.settings.reminder_from_hour <= now.hour < self.settings.reminder_until_hour:
                    sent = await self.send_reminders(application.bot, now)
                    if sent:
                        logger.info("sent %d appointment reminders", sent)
            except Exception:
                logger.exception("reminder run failed")
            await asyncio.sleep(self.settings.reminder_interval)

    # ------------------------------------------------------------------ privacy & feedback
    async def delete_chat_data(self, bot: Any, chat_id: int) -> None:
        """Delete the conversation (tracker), feedback, reminder targets and bridge state."""
        from assistant.privacy import delete_conversation

        try:
            result = await asyncio.to_thread(delete_conversation, sender_for(chat_id), get_settings())
            legacy = await asyncio.to_thread(delete_conversation, str(chat_id), get_settings())  # before "tg:"
            for key, value in legacy.items():
                result[key] = result.get(key, 0) + value
            result.update(self.state.forget_chat(chat_id))
        except Exception:
            logger.exception("deleting conversation data failed")
            await self.send_text(bot, chat_id, texts.DELETE_FAILED)
            return
        await self.send_text(bot, chat_id, texts.DELETED)

    async def _record_feedback(self, query: Any, chat_id: int, rating: str) -> None:
        from assistant import feedback

        message = query.message if isinstance(query.message, Message) else None
        bot_text = (message.text if message else None) or ""
        try:
            await asyncio.to_thread(feedback.record, sender_for(chat_id), rating, clean_text(bot_text), "telegram")
        except Exception:
            logger.exception("feedback not stored")
        if message is not None:
            with contextlib.suppress(TelegramError):
                await query.edit_message_reply_markup(reply_markup=kbd.without_feedback(message.reply_markup))

    async def _clear_markup(self, query: Any) -> None:
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)


def _media_url(value: Any) -> Optional[str]:
    """URL of a Rasa ``image``/``attachment`` (a string or a dict with ``url``/``payload.src``)."""
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
        return value
    if isinstance(value, dict):
        for candidate in (value.get("url"), (value.get("payload") or {}).get("src")
                          if isinstance(value.get("payload"), dict) else None):
            if isinstance(candidate, str) and candidate.lower().startswith(("http://", "https://")):
                return candidate
    return None


# ---------------------------------------------------------------------- running
@contextlib.asynccontextmanager
async def running(application: Application, *, polling: bool = True, poll_timeout: float = 10.0,
                  poll_interval: float = 0.0) -> AsyncIterator[Application]:
    """Start the application like ``run_polling`` does (including post_init/post_stop/post_shutdown)
    and stop it on exit. Used by the webhook mode and by the tests."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        if polling and application.updater is not None:
            await application.updater.start_polling(poll_interval=poll_interval, timeout=int(poll_timeout),
                                                    allowed_updates=Update.ALL_TYPES)
        await application.start()
        yield application
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def serve_webhook(application: Application, settings: BridgeSettings,
                        stop: Optional[asyncio.Event] = None) -> None:
    """Production mode: our aiohttp endpoint on ``listen:port`` (127.0.0.1 by default, behind a
    TLS reverse proxy) and ``setWebhook`` with the secret token. Runs until SIGINT/SIGTERM."""
    settings.check_webhook()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with running(application, polling=False):
        app = create_webhook_app(application.bot, application.update_queue, settings.webhook_secret,
                                 settings.webhook_path)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
        await site.start()
        try:
            await application.bot.set_webhook(url=settings.webhook_url, secret_token=settings.webhook_secret,
                                              allowed_updates=Update.ALL_TYPES)
            logger.info("webhook listening on %s:%d%s", settings.webhook_listen, settings.webhook_port,
                        settings.webhook_path)
            await stop.wait()
        finally:
            await runner.cleanup()


class RedactToken(logging.Filter):
    """Replace the bot token in every log record (URLs of the Bot API contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def configure_logging(level: str, token: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the token
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    from assistant.redaction import install_log_redaction

    install_log_redaction()  # residents' personal data (phone numbers, e-mail, ...) never reaches the log


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m channels.telegram``."""
    parser = argparse.ArgumentParser(prog="python -m channels.telegram",
                                     description="Telegram bridge to the Rasa assistant")
    parser.add_argument("--webhook", action="store_true",
                        help="production mode: receive updates via webhook (TELEGRAM_WEBHOOK_URL/SECRET)")
    parser.add_argument("--log-level", default=get_settings().telegram.log_level)
    args = parser.parse_args(argv)
    settings = BridgeSettings.from_env()
    configure_logging(args.log_level, settings.token)
    if not settings.token:
        logger.error("TELEGRAM_BOT_TOKEN is not set")
        return 2
    if args.webhook:
        try:
            settings.check_webhook()
        except ValueError as exc:
            logger.error("%s", exc)
            return 2
    bridge = Bridge(settings)
    application = bridge.build_application()
    if args.webhook:
        asyncio.run(serve_webhook(application, settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
