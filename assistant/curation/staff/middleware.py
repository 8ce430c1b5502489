"""Middlewares of the staff sub-application: session, CSRF and roles.

Routes marked with :func:`assistant.curation.staff.common.staff_only` need a valid session (the
session is loaded in a thread, off the event loop); every POST on them needs the session's CSRF
token; ``staff_only("admin")`` routes need the admin role. Unmarked routes (login, static files)
are public. Pages are never cached.
"""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from assistant.curation import auth
from assistant.curation.pages import StaffContext
from assistant.curation.staff.common import (
    COOKIE,
    FORM,
    STAFF,
    blocking,
    redirect,
    required_role,
    state,
)
from assistant.curation.staff.render import forbidden


@web.middleware
async def session_middleware(request: web.Request, handler) -> web.StreamResponse:
    role = required_role(request)
    if role is None:
        return await handler(request)
    st = state(request)
    token = request.cookies.get(COOKIE)

    def load():
        with st.sm() as session:
            loaded = auth.load_session(session, token)
            if loaded is None:
                return None
            sess, user = loaded
            return StaffContext(user.id, user.username, user.role, sess.csrf_token)

    ctx = await blocking(load)
    if ctx is None:
        if request.method == "GET":
            return redirect("/staff/login?" + urlencode({"next": request.path_qs}))
        return forbidden(request, "Bitte melden Sie sich zuerst an.")
    request[STAFF] = ctx
    response = await handler(request)
    response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def csrf_middleware(request: web.Request, handler) -> web.StreamResponse:
    if request.method == "POST" and STAFF in request:
        ctx = request[STAFF]
        form = await request.post()
        if not auth.csrf_ok(ctx.csrf, str(form.get("csrf_token") or "")):
            return forbidden(request, "Die Sicherheitsprüfung ist fehlgeschlagen. Bitte laden Sie die Seite neu "
                                      "und versuchen Sie es noch einmal.")
        request[FORM] = form
    return await handler(request)


@web.middleware
async def role_middleware(request: web.Request, handler) -> web.StreamResponse:
    role = required_role(request)
    if role == "admin" and STAFF in request and not request[STAFF].is_admin:
        return forbidden(request, "Diese Seite ist nur für die Verwaltung (Rolle admin).")
    return await handler(request)


MIDDLEWARES = (session_middleware, csrf_middleware, role_middleware)
