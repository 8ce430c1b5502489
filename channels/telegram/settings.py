"""Settings of the Telegram bridge.

The shared settings (token, base URL, webhook secret/URL, Rasa URL, var dir, time zone, retention)
come from :func:`assistant.config.get_settings`; everything that only the bridge needs is read here
from ``TELEGRAM_*`` environment variables. Nothing is read at import time.

Shared (assistant.config): ``TELEGRAM_BOT_TOKEN`` (required), ``TELEGRAM_BASE_URL`` (Bot API root,
e.g. a local Bot API server or the test fake; empty = api.telegram.org), ``TELEGRAM_WEBHOOK_SECRET``
and ``TELEGRAM_WEBHOOK_URL`` (webhook mode), ``ASSISTANT_RASA_URL``, ``ASSISTANT_VAR_DIR``,
``ASSISTANT_TIMEZONE``, ``ASSISTANT_APPOINTMENT_RETENTION_DAYS``; the bridge must also see the same
``ASSISTANT_DATABASE_URL`` and ``ASSISTANT_TRACKER_DATABASE_URL`` as the action server and Rasa.

Bridge only (defaults in brackets): ``TELEGRAM_WEBHOOK_LISTEN`` [127.0.0.1], ``TELEGRAM_WEBHOOK_PORT``
[8443], ``TELEGRAM_WEBHOOK_PATH`` [/telegram/webhook], ``TELEGRAM_STATE_DB``
[<var dir>/telegram_bridge.sqlite3], ``TELEGRAM_RASA_TIMEOUT_SECONDS`` [30],
``TELEGRAM_REMINDER_INTERVAL_MINUTES`` [15; 0 = off], ``TELEGRAM_REMINDER_FROM_HOUR`` [8],
``TELEGRAM_REMINDER_UNTIL_HOUR`` [20], ``TELEGRAM_OUTBOX_RETRY_SECONDS`` [30; 0 = off],
``TELEGRAM_OUTBOX_MAX_AGE_MINUTES`` [60], ``TELEGRAM_FEEDBACK_BUTTONS`` [1], ``TELEGRAM_MAX_RETRIES`` [3],
``TELEGRAM_CONCURRENT_UPDATES`` [32], ``TELEGRAM_LOG_LEVEL`` [INFO].
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from assistant.config import Settings, get_settings

TELEGRAM_API_ROOT = "https://api.telegram.org"
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"Environment variable {name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"Environment variable {name} must be a number, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on", "ja")


@dataclass(frozen=True)
class BridgeSettings:
    """Everything the bridge needs. Build with :meth:`from_env`; tests use ``dataclasses.replace``."""

    token: str
    rasa_url: str
    var_dir: Path
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
        """Shared settings plus the ``TELEGRAM_*`` variables that only the bridge reads."""
        s = base or get_settings()
        state = os.environ.get("TELEGRAM_STATE_DB", "").strip()
        return cls(
            token=s.telegram_token,
            rasa_url=s.rasa_url,
            var_dir=s.var_dir,
            timezone=s.timezone,
            retention_days=s.appointment_retention_days,
            outage_phone=s.outage_phone,
            base_url=s.telegram_base_url,
            webhook_secret=s.telegram_webhook_secret,
            webhook_url=s.telegram_webhook_url,
            webhook_listen=os.environ.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1").strip() or "127.0.0.1",
            webhook_port=_int("TELEGRAM_WEBHOOK_PORT", 8443),
            webhook_path=os.environ.get("TELEGRAM_WEBHOOK_PATH", "/telegram/webhook").strip() or "/telegram/webhook",
            state_path=Path(state) if state else None,
            rasa_timeout=_float("TELEGRAM_RASA_TIMEOUT_SECONDS", 30.0),
            reminder_interval=_float("TELEGRAM_REMINDER_INTERVAL_MINUTES", 15.0) * 60.0,
            reminder_from_hour=_int("TELEGRAM_REMINDER_FROM_HOUR", 8),
            reminder_until_hour=_int("TELEGRAM_REMINDER_UNTIL_HOUR", 20),
            outbox_retry_interval=_float("TELEGRAM_OUTBOX_RETRY_SECONDS", 30.0),
            outbox_max_age=_float("TELEGRAM_OUTBOX_MAX_AGE_MINUTES", 60.0) * 60.0,
            feedback_buttons=_bool("TELEGRAM_FEEDBACK_BUTTONS", True),
            max_retries=_int("TELEGRAM_MAX_RETRIES", 3),
            concurrent_updates=_int("TELEGRAM_CONCURRENT_UPDATES", 32),
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
