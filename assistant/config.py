"""All settings in one typed module, read from environment variables (documented in README.md and
.env.example) with pydantic-settings.

Sections:
  - :class:`Settings`          core, web, booking, voice (``ASSISTANT_*``) — the top object;
  - :class:`TelegramSettings`  the Telegram bridge (``TELEGRAM_*``), as ``Settings().telegram``;
  - :class:`CurationSettings`  the staff area (``ASSISTANT_*``), as ``Settings().curation``.

Nothing is read at import time: call :func:`get_settings` (cached) or build a section directly
(``CurationSettings()`` reads the environment again, which the staff tests rely on). An empty
variable means "use the default". A wrong value raises pydantic's ``ValidationError`` naming the
variable.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Optional

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

ROOT = Path(__file__).resolve().parent.parent

_COMMON = dict(frozen=True, extra="ignore", env_ignore_empty=True, populate_by_name=True,
               case_sensitive=False)


def _under_root(value: Any) -> Any:
    """Relative paths in settings are relative to the repository root, not the working directory."""
    if isinstance(value, (str, Path)) and str(value).strip():
        p = Path(value)
        return p if p.is_absolute() else ROOT / p
    return value


class TelegramSettings(BaseSettings):
    """The Telegram bridge (``channels/telegram``). Only the bridge reads this section."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", **_COMMON)

    bot_token: str = ""                      # TELEGRAM_BOT_TOKEN, never logged
    base_url: str = ""                       # Bot API root (local Bot API server or the test fake)
    webhook_secret: str = ""
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram/webhook"
    state_db: Optional[Path] = None          # default <var dir>/telegram_bridge.sqlite3
    rasa_timeout_seconds: float = 30.0
    reminder_interval_minutes: float = 15.0  # 0 = no reminders
    reminder_from_hour: int = 8
    reminder_until_hour: int = 20
    outbox_retry_seconds: float = 30.0       # 0 = off
    outbox_max_age_minutes: float = 60.0
    feedback_buttons: bool = True
    max_retries: int = 3
    concurrent_updates: int = 32
    log_level: str = "INFO"


DEFAULT_TRAIN = "bash scripts/train.sh"
DEFAULT_VALIDATE = ".venv/rasa/bin/rasa data validate --domain build/domain"
DEFAULT_STORY_TEST = (".venv/rasa/bin/rasa test core --model {model} --stories {stories} "
                      "--fail-on-prediction-errors --out {out}")


class CurationSettings(BaseSettings):
    """The staff area (``/staff``): training data, models, commands, inbox and login lifetime."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", **_COMMON)

    curated_nlu: Path = ROOT / "data" / "nlu" / "curated.yml"   # examples written by staff
    nlu_data_dir: Path = ROOT / "data"                           # checked for duplicates
    domain_file: Path = ROOT / "domain.yml"
    models_dir: Path = ROOT / "models"
    train_command: str = DEFAULT_TRAIN
    validate_command: str = DEFAULT_VALIDATE
    story_test_command: str = DEFAULT_STORY_TEST
    # globs separated by spaces: national and every municipality's own conversation tests
    test_stories: str = "tests/test_stories*.yml kb/municipalities/*/tests.yml"
    inbox_days: int = 30
    session_hours: float = Field(8.0, validation_alias="ASSISTANT_STAFF_SESSION_HOURS")

    _paths = field_validator("curated_nlu", "nlu_data_dir", "domain_file", "models_dir", mode="before")(
        classmethod(lambda cls, v: _under_root(v)))

    @field_validator("inbox_days")
    @classmethod
    def _at_least_one_day(cls, v: int) -> int:
        return max(1, v)

    @field_validator("session_hours")
    @classmethod
    def _positive_hours(cls, v: float) -> float:
        return max(0.1, v)


class Settings(BaseSettings):
    """Typed settings. Defaults are the embedded single-machine setup."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", **_COMMON)

    # --- core ---
    kb_dir: Path = ROOT / "kb"
    var_dir: Path = ROOT / "var"
    # how often the action server checks whether staff changed the knowledge base (one tiny query)
    kb_refresh_seconds: float = 1.0
    # local dialogues (kb/municipalities/<id>/dialogue/): where `assistant kb nlu` merges them for Rasa
    local_dialogue_data_dir: Path = ROOT / "data" / "generated" / "local_dialogues"
    training_domain_dir: Path = ROOT / "build" / "domain"
    database_url: str = ""                   # default sqlite:///<var>/assistant.db
    tracker_database_url: str = ""           # Rasa's SQL tracker store; default sqlite var/rasa_tracker.db
    timezone: str = "Europe/Berlin"
    rasa_url: str = "http://127.0.0.1:5005"
    # scaled profile: every Rasa replica directly (not the load balancer); staff publish loads the
    # new model into each of them. Empty: just rasa_url.
    rasa_replica_urls_raw: str = Field("", validation_alias="ASSISTANT_RASA_REPLICA_URLS")
    # embedded profile: how many Rasa processes scripts/run.py starts (one per core is the point;
    # conversations are split by a stable hash of the sender, assistant/rasa_routing.py)
    rasa_processes: int = 2
    # the Rasa processes the web server and the Telegram bridge split conversations between
    # (comma-separated base URLs; scripts/run.py sets it). Empty: just rasa_url.
    rasa_shard_urls_raw: str = Field("", validation_alias="ASSISTANT_RASA_SHARD_URLS")
    # per Rasa process: query embeddings of the semantic layer kept by text (0 = no cache)
    semantic_cache_size: int = 2048
    # the action server(s) the deep health check asks (comma-separated base URLs); empty: no check
    action_server_urls_raw: str = Field("", validation_alias="ASSISTANT_ACTION_SERVER_URLS")
    # said to residents when a turn cannot be answered or stored ("Gerade gibt es eine Störung ...")
    outage_phone: str = "030 23125 100"
    # seconds the web proxy waits for Rasa before telling the resident about a disturbance
    rasa_timeout_s: float = Field(30.0, validation_alias="ASSISTANT_RASA_TIMEOUT_SECONDS")
    action_port: int = 5055
    # --- web ---
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    public_url: str = ""
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # abuse limits (per client address: many residents can share one address, e.g. a library)
    chat_rate_per_minute: int = 300
    chat_rate_per_conversation: int = 30
    new_conversations_per_minute: int = 120
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()  # X-Forwarded-For is trusted only from these
    max_message_chars: int = 2000
    max_open_appointments_per_conversation: int = 2
    max_open_appointments_per_phone: int = 3
    # secrets: generated into <var>/secrets/ when not set (see assistant/security/secrets_store.py)
    conversation_secret: str = ""
    rasa_token: str = ""
    rasa_max_request_bytes: int = 32768
    # --- answers and booking ---
    default_municipality: str = ""
    appointment_retention_days: int = 14
    # --- privacy (assistant/privacy.py): conversations in Rasa's tracker store, saved checklists ---
    conversation_retention_days: int = 30
    checklist_retention_days: int = 90
    # --- voice ---
    whisper_model_dir: Path = ROOT / "var" / "models" / "whisper-base"
    stt_max_seconds: float = 60.0
    stt_max_bytes: int = 5_000_000
    stt_threads: int = 2
    tts_max_chars: int = 1500
    voice_rate_per_minute: int = 20
    # --- sections ---
    telegram: TelegramSettings = Field(default_factory=TelegramSettings, exclude=True)
    curation: CurationSettings = Field(default_factory=CurationSettings, exclude=True)

    _paths = field_validator("kb_dir", "var_dir", "whisper_model_dir", "local_dialogue_data_dir", "training_domain_dir",
                             mode="before")(
        classmethod(lambda cls, v: _under_root(v)))

    @field_validator("rasa_processes")
    @classmethod
    def _at_least_one_process(cls, v: int) -> int:
        return max(1, v)

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, v: Any) -> Any:
        if isinstance(v, str):
            return tuple(o.strip() for o in v.split(",") if o.strip())
        return v

    # --- Telegram values the other processes need too (kept flat for existing callers) ---
    @property
    def telegram_token(self) -> str:
        return self.telegram.bot_token

    @property
    def telegram_base_url(self) -> str:
        return self.telegram.base_url

    @property
    def telegram_webhook_secret(self) -> str:
        return self.telegram.webhook_secret

    @property
    def telegram_webhook_url(self) -> str:
        return self.telegram.webhook_url

    @property
    def effective_rasa_token(self) -> str:
        """Token for Rasa's HTTP API (``rasa run --auth-token``), shared through var/secrets/."""
        from assistant.security.secrets_store import get_or_create

        return get_or_create(self.var_dir, "rasa_token", self.rasa_token)

    @property
    def effective_conversation_secret(self) -> str:
        """HMAC key for web conversation credentials, shared through var/secrets/."""
        from assistant.security.secrets_store import get_or_create

        return get_or_create(self.var_dir, "conversation_secret", self.conversation_secret)

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def rasa_replica_urls(self) -> tuple[str, ...]:
        """Every Rasa server a new model must reach (ASSISTANT_RASA_REPLICA_URLS, else rasa_url)."""
        urls = tuple(u.strip().rstrip("/") for u in self.rasa_replica_urls_raw.split(",") if u.strip())
        return urls or (self.rasa_url.rstrip("/"),)

    @property
    def rasa_shard_urls(self) -> tuple[str, ...]:
        """The Rasa processes conversations are split between (ASSISTANT_RASA_SHARD_URLS, else rasa_url)."""
        urls = tuple(u.strip().rstrip("/") for u in self.rasa_shard_urls_raw.split(",") if u.strip())
        return urls or (self.rasa_url.rstrip("/"),)

    @property
    def action_server_urls(self) -> tuple[str, ...]:
        return tuple(u.strip().rstrip("/") for u in self.action_server_urls_raw.split(",") if u.strip())

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


def curation_settings() -> CurationSettings:
    """The staff section, read from the environment on every call (cheap, test friendly)."""
    return CurationSettings()
