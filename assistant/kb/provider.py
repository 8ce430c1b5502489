"""The process-wide knowledge base: loaded from the database (filled from kb/ on first use) and
shared by the actions, the web server, the booking CLI and the Telegram reminders."""
from __future__ import annotations

import threading
from typing import Any

from assistant.config import get_settings
from assistant.kb.loader import KnowledgeBase

_provider_lock = threading.Lock()
_provider: Any = None


def get_kb() -> KnowledgeBase:
    """The knowledge base from the database (loaded from kb/ on first use)."""
    global _provider
    with _provider_lock:
        if _provider is None:
            from assistant.db import get_engine
            from assistant.kb.store import KBProvider

            settings = get_settings()
            _provider = KBProvider(get_engine(), settings.kb_dir, ttl=settings.kb_refresh_seconds)
    return _provider.get()


def reset_kb() -> None:
    """Forget the cached provider (tests, or after the database was replaced)."""
    global _provider
    with _provider_lock:
        _provider = None
