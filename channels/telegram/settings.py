"""The Telegram bridge's runtime view of the settings.

Every variable is read in :mod:`assistant.config` (section ``TelegramSettings``, ``TELEGRAM_*``:
token, base URL, webhook secret/URL/listen/port/path, state DB, Rasa timeout, reminder interval and
hours, outbox retry and age, feedback buttons, retries, concurrent updates, log level) plus the shared
``ASSISTANT_*`` values (Rasa URL, var dir, time zone, retention). This module only combines them into
the immutable :class:`BridgeSettings` that the bridge and its tests pass around.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from assistant.config import Settings, get_settings

TELEGRAM_API_ROOT = "https://api.telegram.org"
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class BridgeSettings:
    """Everything the bridge needs. Build with :meth:`from_env`; tests use ``dataclasses.replace``."""

    token: str
    rasa_url: str
    var_dir: Path
    #: every Rasa process of the embedded profile (ASSISTANT_RASA_SHARD_URLS); empty: rasa_url only
    rasa_urls: tuple[str, ...] = ()
    timezone: str = "Europe/Berlin"
    retention_days: int = 14
    outage_phone: str = ""
    #: Root of the Bot API server (``TELEGRAM_BASE_URL``, e.g. ``http://127.0.0.1:8081`` for a local
    #: Bot API server or a test fake); empty = api.telegram.org.
    base_url: str = ""
    webhook_secret: str = ""
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram/webhook"
    #: SQLite file for the callback-key map, voice preferences and the outbox.
    state_path: Optional[Path] = None
    rasa_timeout: float = 30.0
    reminder_interval: float = 15 * 60.0
    reminder_from_hour: int = 8
    reminder_until_hour: int = 20
    outbox_retry_interval: float = 30.0
    outbox_max_age: float = 60 * 60.0
    feedback_buttons: bool = True
    max_retries: int = 3
    concurrent_updates: int = 32

    @classmethod
    def from_env(cls, base: Optional[Settings] = None) -> "BridgeSettings":
        """The bridge's view of the shared settings and of their ``telegram`` section."""
        s = base or get_settings()
        t = s.telegram
        return cls(
            token=t.bot_token,
            rasa_url=s.rasa_url,
            rasa_urls=s.rasa_shard_urls,
            var_dir=s.var_dir,
            timezone=s.timezone,
            retention_days=s.appointment_retention_days,
            outage_phone=s.outage_phone,
            base_url=t.base_url,
            webhook_secret=t.webhook_secret,
            webhook_url=t.webhook_url,
            webhook_listen=t.webhook_listen or "127.0.0.1",
            webhook_port=t.webhook_port,
            webhook_path=t.webhook_path or "/telegram/webhook",
            state_path=t.state_db,
            rasa_timeout=t.rasa_timeout_seconds,
            reminder_interval=t.reminder_interval_minutes * 60.0,
            reminder_from_hour=t.reminder_from_hour,
            reminder_until_hour=t.reminder_until_hour,
            outbox_retry_interval=t.outbox_retry_seconds,
            outbox_max_age=t.outbox_max_age_minutes * 60.0,
            feedback_buttons=t.feedback_buttons,
            max_retries=t.max_retries,
            concurrent_updates=t.concurrent_updates,
        )

    @property
    def effective_state_path(self) -> Path:
        return self.state_path or (self.var_dir / "telegram_bridge.sqlite3")

    @property
    def api_root(self) -> str:
        """Bot API root without trailing slash (a trailing ``/bot`` is tolerated and removed)."""
        root = (self.base_url or TELEGRAM_API_ROOT).rstrip("/")
        return root[: -len("/bot")] if root.endswith("/bot") else root

    @property
    def api_base_url(self) -> str:
        """What PTB's ``base_url`` expects (the token is appended by PTB)."""
        return f"{self.api_root}/bot"

    @property
    def api_base_file_url(self) -> str:
        """What PTB's ``base_file_url`` expects (the token is appended by PTB)."""
        return f"{self.api_root}/file/bot"

    def check_webhook(self) -> None:
        """Raise ``ValueError`` (German-free, for operators) if webhook mode is misconfigured."""
        if not self.webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode")
        if not SECRET_RE.match(self.webhook_secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if not self.webhook_url:
            raise ValueError("TELEGRAM_WEBHOOK_URL (the public https URL Telegram posts to) must be set")
        if not self.webhook_path.startswith("/"):
            raise ValueError("TELEGRAM_WEBHOOK_PATH must start with '/'")
