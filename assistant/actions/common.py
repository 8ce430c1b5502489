"""Shared plumbing for actions: knowledge base access, context from the tracker, flow state."""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from typing import Any, Optional
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.answers.context import Context
from assistant.answers.reply import Button, Reply, payload
from assistant.config import get_settings
from assistant.kb.loader import KnowledgeBase
from assistant.kb.views import resolve_municipality, resolve_office, resolve_service

logger = logging.getLogger(__name__)
_provider_lock = threading.Lock()
_provider: Any = None

POPULAR_SERVICES = ("personalausweis", "reisepass", "wohnsitz_anmelden", "kfz_zulassung", "hund_anmelden",
                    "fuehrungszeugnis")


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


def now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(get_settings().timezone))


def latest_entities(tracker: Tracker, name: str) -> list[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") == name
            and e.get("value") is not None]


def build_context(tracker: Tracker, kb: Optional[KnowledgeBase] = None) -> tuple[Context, list[EventType]]:
    """Service, municipality and office from this message's entities, the text, or earlier slots."""
    kb = kb or get_kb()
    settings = get_settings()
    events: list[EventType] = []
    text = tracker.latest_message.get("text") or ""
    is_payload = text.startswith("/")

    intent_name = (tracker.latest_message.get("intent") or {}).get("name")
    service = None
    for ent in ranked_service_entities(tracker.latest_message.get("entities", []), text, intent_name):
        service = resolve_service(kb, str(ent.get("value")))
        if service:
            break
    if service is None and text and not is_payload:
        service = resolve_service(kb, text) if len(text) < 500 else None
    if service and service != tracker.get_slot("service"):
        events.append(SlotSet("service", service))
    service = service or tracker.get_slot("service")

    municipality, office_id, destination = None, None, None
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    for ent in tracker.latest_message.get("entities", []):
        if ent.get("entity") != "place" or ent.get("value") is None:
            continue
        value = str(ent["value"])
        mid = resolve_municipality(kb, value)
        if mid and intent == "ask_directions" and _travel_target(text, ent.get("start")):
            destination = destination or mid
            continue
        municipality = municipality or mid
        office_id = office_id or (resolve_office(kb, value) if not mid else None)
    if municipality is None and destination is None and text and not is_payload and len(text) < 500:
        municipality = resolve_municipality(kb, text)
    if municipality and municipality != tracker.get_slot("municipality"):
        events.append(SlotSet("municipality", municipality))
    municipality = municipality or tracker.get_slot("municipality") or settings.default_municipality or None

    if office_id and service:
        # "Landratsamt" names several offices: prefer the one that handles the service
        from assistant.kb.views import responsible_office

        resp = responsible_office(kb, service, municipality)
        named = kb.offices[office_id]
        if resp and (resp.id == office_id or set(named.aliases) & set(resp.aliases)):
            office_id = resp.id
    ctx = Context(kb=kb, now=now(), tz=ZoneInfo(settings.timezone), service=service,
                  municipality=municipality if municipality in kb.municipalities else None,
                  office_id=office_id, destination=destination, public_url=public_url())
    return ctx, events


TRAVEL_WORDS = {"nach", "zum", "zur", "bis", "richtung", "ins"}
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


def _travel_target(text: str, start: Optional[int]) -> bool:
    """True if the place at ``start`` follows 'nach'/'zum'/... (where the resident travels to)."""
    if start is None:
        return False
    before = text[:start].lower().split()
    return bool(before) and before[-1] in TRAVEL_WORDS


def public_url() -> str:
    s = get_settings()
    return (s.public_url or f"http://{s.web_host}:{s.web_port}").rstrip("/")


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(**reply.to_dispatch())


def get_flow(tracker: Tracker) -> dict[str, Any]:
    raw = tracker.get_slot("flow")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def set_flow(flow: Optional[dict[str, Any]]) -> SlotSet:
    return SlotSet("flow", json.dumps(flow, ensure_ascii=False) if flow else None)


def ask_service(kb: KnowledgeBase, topic: str) -> Reply:
    buttons = [Button(kb.services[s].short_name, payload("inform", service=s)) for s in POPULAR_SERVICES if s in kb.services]
    return Reply("utter_ask_service",
                 "Um welche Leistung geht es? Schreiben Sie es einfach, zum Beispiel „Ausweis“, „Ummeldung“ oder "
                 "„Hund anmelden“.", buttons[:5])


def ask_municipality(kb: KnowledgeBase) -> Reply:
    buttons = [Button(m.name, payload("inform", place=m.name)) for m in kb.municipalities.values()]
    return Reply("utter_ask_municipality",
                 "In welcher Gemeinde wohnen Sie? Dann nenne ich Ihnen das richtige Amt.", buttons)
