"""Login, logout and the start page of the staff area."""
from __future__ import annotations

import logging
import secrets

from aiohttp import web

from assistant.curation import auth
from assistant.curation.staff.common import (
    COOKIE,
    LOGIN_COOKIE,
    MESSAGES,
    NEXT,
    blocking,
    redirect,
    safe_next,
    staff_only,
    state,
)
from assistant.curation.staff.render import forbidden, render

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------ login / logout

def _login_form(request: web.Request, error: str = "", username: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    info = MESSAGES["logged_out"][1] if request.query.get("m") == "logged_out" and not error else ""
    notices = [("error", error)] if error else []
    if info:
        notices.append(("ok", info))
    resp = render(request, "login.html", status, title="Anmelden", notices=notices, csrf_token=token,
                  username=username, next_url=safe_next(request.query.get("next", "") or request.get(NEXT, "")))
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=state(request).secure_cookies,
                    path="/staff", max_age=3600)
    return resp


async def login_get(request: web.Request) -> web.StreamResponse:
    st = state(request)
    token = request.cookies.get(COOKIE)

    def logged_in() -> bool:
        with st.sm() as session:
            return auth.load_session(session, token) is not None

    if await blocking(logged_in):
        return redirect(safe_next(request.query.get("next", "")))
    return _login_form(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    st = state(request)
    form = await request.post()
    request[NEXT] = str(form.get("next") or "")
    if not auth.csrf_ok(request.cookies.get(LOGIN_COOKIE), str(form.get("csrf_token") or "")):
        return forbidden(request, "Die Sicherheitsprüfung ist fehlgeschlagen. Bitte laden Sie die Anmeldeseite neu.")
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    if not st.login_limit.allow(request.remote or "unknown"):
        return _login_form(request, "Zu viele Anmeldeversuche. Bitte warten Sie eine Minute.", username, 429)

    def check() -> tuple[str | None, auth.LoginResult]:
        with st.sm() as session:
            result = auth.authenticate(session, username, password)
            if result.user is None:
                return None, result
            auth.end_session(session, request.cookies.get(COOKIE))
            token, _ = auth.create_session(session, result.user, st.csettings.session_hours)
            return token, result

    token, result = await blocking(check)
    if token is None:
        logger.info("staff login failed (locked=%s)", result.locked)
        return _login_form(request, result.error, username, 401)
    resp = redirect(safe_next(str(form.get("next") or "")))
    resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=st.secure_cookies, path="/staff",
                    max_age=int(st.csettings.session_hours * 3600))
    resp.del_cookie(LOGIN_COOKIE, path="/staff")
    return resp


@staff_only()
async def logout(request: web.Request) -> web.StreamResponse:
    st = state(request)
    token = request.cookies.get(COOKIE)

    def end() -> None:
        with st.sm() as session:
            auth.end_session(session, token)

    await blocking(end)
    resp = redirect("/staff/login?m=logged_out")
    resp.del_cookie(COOKIE, path="/staff")
    return resp


async def index(request: web.Request) -> web.StreamResponse:
    return redirect("/staff/inbox")


