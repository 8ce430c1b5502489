"""Shared plumbing for actions: knowledge base access, the clock, links."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional
from zoneinfo import ZoneInfo

from assistant.config import get_settings
from assistant.kb.provider import get_kb

__all__ = ["get_kb", "now", "public_url", "ranked_service_entities"]

logger = logging.getLogger(__name__)

def now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(get_settings().timezone))


PURPOSE_WORDS = {"fuer", "für", "fürs", "fuers", "zur", "zum", "wegen", "beim", "bei", "um"}


def ranked_service_entities(entities: list[dict], text: str, intent: Optional[str]) -> list[dict]:
    """Service entities, most likely topic first. "Ich habe Ausweis und Geburtsurkunde, reicht das
    für den Kinderreisepass?" names documents first and the service after "für"."""
    services = [e for e in entities if e.get("entity") == "service" and e.get("value") is not None]
    if len(services) < 2:
        return services

    def after_purpose(e: dict) -> bool:
        start = e.get("start")
        return start is not None and bool(set(text[:start].lower().split()[-3:]) & PURPOSE_WORDS)

    purposeful = [e for e in services if after_purpose(e)]
    rest = [e for e in services if e not in purposeful]
    if intent == "check_documents":
        rest.reverse()  # what they have comes first, what it is for comes last
    return purposeful + rest


def public_url() -> str:
    s = get_settings()
    return (s.public_url or f"http://{s.web_host}:{s.web_port}").rstrip("/")
