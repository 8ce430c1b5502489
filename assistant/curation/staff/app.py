"""The staff area as an aiohttp sub-application mounted at /staff (German UI).

Routes (below /staff)
  GET  /                                -> inbox (or login)
  GET  /login, POST /login              login (argon2id; 5 wrong passwords lock the user 15 min)
  POST /logout
  GET  /inbox                           misunderstood / unsure / thumbs-down / human requests, grouped
  POST /inbox/assign, POST /inbox/dismiss
  GET  /local                           municipalities
  GET  /local/{mid}, POST               raw YAML editor of a municipality file (experts)
  GET  /forms/{mid}                     everyday edits without YAML (hours, closures, notices, contacts,
                                        local answers, local stories); each form GET/POST below it
  GET  /history, /history/{id}, POST /history/{id}/revert
  GET  /overview, POST /callbacks/{id}/done, GET /feedback
  GET  /training (admin), POST /training/start, /training/rollback, GET /training/{id}[/status]
  GET  /users, POST /users, POST /users/{id}  (admin)
  GET  /static/*                        CSS and JS
Sessions, CSRF and roles are middlewares (``middleware.py``); handlers mark the role they need.
"""
from __future__ import annotations

from aiohttp import web

from assistant.config import Settings
from assistant.curation.settings import curation_settings
from assistant.curation.staff import (
    forms,
    history,
    inbox_pages,
    local_pages,
    login,
    overview,
    training_pages,
    users,
)
from assistant.curation.staff.common import (
    LOGINS_PER_MINUTE,
    STATE,
    STATIC_DIR,
    StaffState,
)
from assistant.curation.staff.middleware import MIDDLEWARES
from assistant.curation.training import TrainingManager
from assistant.web.ratelimit import RateLimiter


async def _on_startup(app: web.Application) -> None:
    app[STATE].training.mark_interrupted()


async def _on_cleanup(app: web.Application) -> None:
    await app[STATE].training.shutdown()


def create_staff_app(settings: Settings) -> web.Application:
    """The /staff sub-application (mount with ``app.add_subapp("/staff", ...)``)."""
    from assistant.db import get_sessionmaker

    csettings = curation_settings()
    sm = get_sessionmaker(settings.effective_database_url)
    app = web.Application(middlewares=list(MIDDLEWARES))
    app[STATE] = StaffState(settings, csettings, sm, TrainingManager(settings, csettings, sm),
                            RateLimiter(LOGINS_PER_MINUTE))
    r = app.router
    r.add_get("/", login.index)
    r.add_get("/login", login.login_get)
    r.add_post("/login", login.login_post)
    r.add_post("/logout", login.logout)
    r.add_get("/inbox", inbox_pages.inbox_page)
    r.add_post("/inbox/assign", inbox_pages.inbox_assign)
    r.add_post("/inbox/dismiss", inbox_pages.inbox_dismiss)
    r.add_get("/local", local_pages.local_list)
    r.add_get(r"/local/{mid:[a-z][a-z0-9_]*}", local_pages.local_edit)
    r.add_post(r"/local/{mid:[a-z][a-z0-9_]*}", local_pages.local_save)
    forms.add_routes(r)
    r.add_get("/history", history.history_list)
    r.add_get(r"/history/{id:\d+}", history.history_detail)
    r.add_post(r"/history/{id:\d+}/revert", history.history_revert)
    r.add_get("/overview", overview.overview_page)
    r.add_post(r"/callbacks/{id:\d+}/done", overview.callback_done)
    r.add_get("/feedback", overview.feedback_page)
    r.add_get("/training", training_pages.training_page)
    r.add_post("/training/start", training_pages.training_start)
    r.add_post("/training/rollback", training_pages.training_rollback)
    r.add_get(r"/training/{id:\d+}", training_pages.training_detail)
    r.add_get(r"/training/{id:\d+}/status", training_pages.training_status)
    r.add_get("/users", users.users_page)
    r.add_post("/users", users.users_add)
    r.add_post(r"/users/{id:\d+}", users.users_change)
    r.add_static("/static/", STATIC_DIR, show_index=False)
    app.on_startup.append(_on_startup)
    app.on_cleanup.append(_on_cleanup)
    return app


async def _to_slash(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/staff/")


def setup_staff_routes(app: web.Application) -> None:
    """Mount the staff area on the resident-facing web app (same process, same port)."""
    from assistant.web.app import SETTINGS

    staff = create_staff_app(app[SETTINGS])
    app.router.add_get("/staff", _to_slash)
    app.add_subapp("/staff", staff)
    app[STATE] = staff[STATE]  # the same state object, for tests and tools that hold the main app
