"""Jinja2 templates of the staff area (``assistant/curation/templates/``), autoescaping on."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from assistant.curation.auth import ROLE_LABELS
from assistant.curation.pages import NAV
from assistant.curation.staff.common import STAFF

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html"], default=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(nav=NAV, role_labels=ROLE_LABELS)
    return env


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    ctx = request.get(STAFF)
    context.setdefault("notices", [])
    context.setdefault("active", "")
    text = environment().get_template(template).render(staff=ctx, **context)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def forbidden(request: web.Request, text: str) -> web.Response:
    """The 403 page (German text, link back to the start page)."""
    return render(request, "forbidden.html", 403, title="Kein Zugriff", text=text)


def macro(template: str, name: str, *args: Any) -> str:
    """One macro of a template rendered on its own (charts in tests, fragments)."""
    return str(getattr(environment().get_template(template).module, name)(*args))
