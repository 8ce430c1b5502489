"""All settings, read from environment variables (documented in README and .env.example).

Nothing is read at import time: call :func:`get_settings`.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"Environment variable {name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"Environment variable {name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Typed settings. Defaults are the embedded single-machine setup."""

    kb_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_KB_DIR", str(ROOT / "kb"))))
    var_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_VAR_DIR", str(ROOT / "var"))))
    database_url: str = field(default_factory=lambda: _env("ASSISTANT_DATABASE_URL", ""))
    tracker_database_url: str = field(default_factory=lambda: _env("ASSISTANT_TRACKER_DATABASE_URL", ""))
    timezone: str = field(default_factory=lambda: _env("ASSISTANT_TIMEZONE", "Europe/Berlin"))
    rasa_url: str = field(default_factory=lambda: _env("ASSISTANT_RASA_URL", "http://127.0.0.1:5005"))
    action_port: int = field(default_factory=lambda: _env_int("ASSISTANT_ACTION_PORT", 5055))
    web_host: str = field(default_factory=lambda: _env("ASSISTANT_WEB_HOST", "127.0.0.1"))
    web_port: int = field(default_factory=lambda: _env_int("ASSISTANT_WEB_PORT", 8080))
    public_url: str = field(default_factory=lambda: _env("ASSISTANT_PUBLIC_URL", ""))
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(o for o in _env("ASSISTANT_CORS_ORIGINS", "").split(",") if o.strip())
    )
    default_municipality: str = field(default_factory=lambda: _env("ASSISTANT_DEFAULT_MUNICIPALITY", ""))
    # how often the action server checks whether staff changed the knowledge base (one tiny query)
    kb_refresh_seconds: float = field(default_factory=lambda: _env_float("ASSISTANT_KB_REFRESH_SECONDS", 1.0))
    # local dialogues (kb/municipalities/<id>/dialogue/): where `assistant kb nlu` merges them for Rasa
    local_dialogue_data_dir: Path = field(default_factory=lambda: Path(_env(
        "ASSISTANT_LOCAL_DIALOGUE_DATA_DIR", str(ROOT / "data" / "generated" / "local_dialogues"))))
    training_domain_dir: Path = field(default_factory=lambda: Path(_env(
        "ASSISTANT_TRAINING_DOMAIN_DIR", str(ROOT / "build" / "domain"))))
    appointment_retention_days: int = field(
        default_factory=lambda: _env_int("ASSISTANT_APPOINTMENT_RETENTION_DAYS", 14)
    )
    # voice
    whisper_model_dir: Path = field(
        default_factory=lambda: Path(_env("ASSISTANT_WHISPER_MODEL_DIR", str(ROOT / "var" / "models" / "whisper-base")))
    )
    stt_max_seconds: float = field(default_factory=lambda: _env_float("ASSISTANT_STT_MAX_SECONDS", 60.0))
    stt_max_bytes: int = field(default_factory=lambda: _env_int("ASSISTANT_STT_MAX_BYTES", 5_000_000))
    stt_threads: int = field(default_factory=lambda: _env_int("ASSISTANT_STT_THREADS", 2))
    tts_max_chars: int = field(default_factory=lambda: _env_int("ASSISTANT_TTS_MAX_CHARS", 1500))
    chat_rate_per_minute: int = field(default_factory=lambda: _env_int("ASSISTANT_CHAT_RATE_PER_MINUTE", 60))
    voice_rate_per_minute: int = field(default_factory=lambda: _env_int("ASSISTANT_VOICE_RATE_PER_MINUTE", 20))
    # telegram
    telegram_token: str = field(default_factory=lambda: _env("TELEGRAM_BOT_TOKEN", ""))
    telegram_base_url: str = field(default_factory=lambda: _env("TELEGRAM_BASE_URL", ""))
    telegram_webhook_secret: str = field(default_factory=lambda: _env("TELEGRAM_WEBHOOK_SECRET", ""))
    telegram_webhook_url: str = field(default_factory=lambda: _env("TELEGRAM_WEBHOOK_URL", ""))

    @property
    def effective_tracker_url(self) -> str:
        """Rasa's SQL tracker store (endpoints.yml); the web server deletes conversations there."""
        return self.tracker_database_url or f"sqlite:///{ROOT / 'var' / 'rasa_tracker.db'}"

    @property
    def effective_database_url(self) -> str:
        """SQLite file under var/ unless ASSISTANT_DATABASE_URL is set."""
        return self.database_url or f"sqlite:///{self.var_dir / 'assistant.db'}"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the current environment (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
