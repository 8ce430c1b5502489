"""Shared plumbing of the staff sub-application: state, responses, flash messages, KB cache, roles."""
from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from aiohttp import web
from sqlalchemy.orm import sessionmaker

from assistant.config import Settings
from assistant.curation.pages import (
    INTENT_LABELS,
    StaffContext,
)
from assistant.curation.settings import CurationSettings
from assistant.curation.training import TrainingManager
from assistant.kb.loader import KBValidationError, KnowledgeBase, load_kb
from assistant.web.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login_csrf"
MAX_CLUSTERS = 100
MAX_EVENT_IDS = 200
LOGINS_PER_MINUTE = 20  # per client address, on top of the per-user lockout


@dataclass
class StaffState:
    settings: Settings
    csettings: CurationSettings
    sm: sessionmaker
    training: TrainingManager
    login_limit: RateLimiter

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def secure_cookies(self) -> bool:
        return self.settings.public_url.lower().startswith("https://")


STATE = web.AppKey("staff_state", StaffState)
STAFF = web.RequestKey("staff", StaffContext)
FORM = web.RequestKey("staff_form", object)
NEXT = web.RequestKey("staff_next", str)

MESSAGES = {
    "added": ("ok", "Danke! Der Satz ist als Trainingsbeispiel gespeichert. Er wirkt nach dem nächsten Training."),
    "duplicate": ("ok", "Diesen Satz gibt es schon in den Trainingsdaten. Die Gruppe ist erledigt."),
    "dismissed": ("ok", "Die Gruppe ist als „nicht unser Thema“ markiert und ausgeblendet."),
    "saved": ("ok", "Gespeichert. Der Assistent nutzt die neuen Daten in etwa einer Minute. Neue Beispielfragen "
                    "wirken nach dem nächsten Training."),
    "unchanged": ("ok", "Es gab keine Änderung."),
    "reverted": ("ok", "Die Änderung ist rückgängig gemacht."),
    "done": ("ok", "Der Rückruf ist als erledigt markiert."),
    "running": ("error", "Es läuft schon ein Training. Bitte warten Sie, bis es fertig ist."),
    "user_added": ("ok", "Der Zugang ist angelegt."),
    "user_saved": ("ok", "Der Zugang ist geändert."),
    "self": ("error", "Ihren eigenen Zugang können Sie hier nicht einschränken."),
    "logged_out": ("ok", "Sie sind abgemeldet."),
}


# ------------------------------------------------------------------ helpers

def state(request: web.Request) -> StaffState:
    return request.config_dict[STATE]


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def flash(request: web.Request) -> list[tuple[str, str]]:
    code = request.query.get("m", "")
    return [MESSAGES[code]] if code in MESSAGES else []


def safe_next(url: str) -> str:
    if url and re.fullmatch(r"/staff/[A-Za-z0-9/_\-.?=&%]*", url) and "//" not in url and "/static/" not in url:
        return url
    return "/staff/inbox"


async def blocking(func: Callable[..., Any], *args: Any) -> Any:
    """Run blocking work (SQLAlchemy, YAML, file system) in a thread, never on the event loop."""
    return await asyncio.to_thread(func, *args)


async def in_session(st: StaffState, func: Callable[..., Any], *args: Any) -> Any:
    """``func(session, *args)`` with a database session, in a thread."""

    def run() -> Any:
        with st.sm() as session:
            return func(session, *args)

    return await asyncio.to_thread(run)


_kb_lock = threading.Lock()
_kb_cache: dict[str, tuple[tuple, KnowledgeBase | None]] = {}


def current_kb(kb_dir: Path) -> KnowledgeBase | None:
    """The knowledge base from the YAML files (cached until a file changes); None if invalid."""
    sig = tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in kb_dir.rglob("*.yml")))
    with _kb_lock:
        hit = _kb_cache.get(str(kb_dir))
        if hit and hit[0] == sig:
            return hit[1]
    try:
        kb: KnowledgeBase | None = load_kb(kb_dir)
    except KBValidationError:
        kb = None
    with _kb_lock:
        _kb_cache[str(kb_dir)] = (sig, kb)
    return kb


def domain_intents(domain_file: Path) -> list[str]:
    files = sorted(domain_file.rglob("*.yml")) if domain_file.is_dir() else [domain_file]
    out: list[str] = []
    for f in files:
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for item in data.get("intents") or []:
            name = next(iter(item)) if isinstance(item, dict) else item
            if isinstance(name, str) and name not in out and name != "nlu_fallback":
                out.append(name)
    return out


def intent_options(intents: list[str]) -> list[tuple[str, str]]:
    return [(i, f"{INTENT_LABELS.get(i, i)} ({i})") for i in intents]


# ------------------------------------------------------------------ access control

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROLE_ATTR = "staff_role"


def staff_only(role: str = "editor") -> Callable[[Handler], Handler]:
    """Mark a handler as needing a staff session (and ``role``); enforced by
    :func:`assistant.curation.staff.middleware.session_middleware` (sessions, CSRF, roles)."""

    def deco(handler: Handler) -> Handler:
        setattr(handler, ROLE_ATTR, role)
        return handler

    return deco


def required_role(request: web.Request) -> str | None:
    """The role the matched route needs, or None for public routes (login, static files)."""
    handler = getattr(request.match_info, "handler", None)
    return getattr(handler, ROLE_ATTR, None)


def ctx_of(request: web.Request) -> StaffContext:
    return request[STAFF]


def form_of(request: web.Request) -> Any:
    return request[FORM]


