"""Staff accounts (admin)."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select

from assistant.curation import auth
from assistant.curation.models import StaffUser
from assistant.curation.pages import (
    local_time,
)
from assistant.curation.staff.common import (
    blocking,
    ctx_of,
    flash,
    form_of,
    redirect,
    staff_only,
    state,
)
from assistant.curation.staff.render import render

# ------------------------------------------------------------------ users (admin)

@staff_only("admin")
async def users_page(request: web.Request) -> web.StreamResponse:
    return await _render_users(request, [], 200)


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    role: str
    state: str
    last_login: str
    locked: bool
    active: bool


async def _render_users(request: web.Request, notices: list[tuple[str, str]], status: int) -> web.Response:
    st = state(request)

    def load() -> list[UserRow]:
        with st.sm() as session:
            users = list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
        rows = []
        for u in users:
            locked = auth.is_locked(u)
            rows.append(UserRow(u.id, u.username, u.role,
                                "gesperrt (Fehlversuche)" if locked else ("aktiv" if u.active else "deaktiviert"),
                                local_time(u.last_login_at, st.tz), locked, u.active))
        return rows

    users = await blocking(load)
    roles = [(r, f"{auth.ROLE_LABELS[r]} ({r})") for r in auth.ROLES]
    return render(request, "users.html", status, title="Zugänge", active="users", notices=notices + flash(request),
                  users=users, roles=roles, min_password=auth.MIN_PASSWORD_LENGTH)


@staff_only("admin")
async def users_add(request: web.Request) -> web.StreamResponse:
    st = state(request)
    form = form_of(request)
    password = str(form.get("password") or "")
    if password != str(form.get("password2") or ""):
        return await _render_users(request, [("error", "Die beiden Passwörter sind verschieden.")], 400)

    def create() -> str:
        with st.sm() as session:
            try:
                auth.create_user(session, str(form.get("username") or ""), password, str(form.get("role") or "editor"))
            except auth.AuthError as exc:
                return str(exc)
        return ""

    error = await blocking(create)
    if error:
        return await _render_users(request, [("error", error)], 400)
    return redirect("/staff/users?m=user_added")


@staff_only("admin")
async def users_change(request: web.Request) -> web.StreamResponse:
    st = state(request)
    ctx = ctx_of(request)
    form = form_of(request)
    action = str(form.get("action") or "")
    user_id = int(request.match_info["id"])

    def change() -> str:
        with st.sm() as session:
            user = session.get(StaffUser, user_id)
            if user is None:
                return "missing"
            if user.id == ctx.user_id and action in ("deactivate", "role") and \
                    (action == "deactivate" or str(form.get("role")) != user.role):
                return "self"
            _apply_change(session, user, action, form)
            session.commit()
        return "ok"

    outcome = await blocking(change)
    if outcome == "missing":
        raise web.HTTPNotFound(text="Diesen Zugang gibt es nicht.")
    if outcome == "self":
        return redirect("/staff/users?m=self")
    return redirect("/staff/users?m=user_saved")


def _apply_change(session, user, action: str, form) -> None:
    """Apply one action of the users page to ``user`` (committed by the caller)."""
    if action == "role" and str(form.get("role")) in auth.ROLES:
        user.role = str(form.get("role"))
    elif action == "unlock":
        user.locked_until, user.failed_logins = None, 0
    elif action == "deactivate":
        user.active = False
        from sqlalchemy import delete

        from assistant.curation.models import StaffSession

        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    elif action == "activate":
        user.active = True


