"""Staff accounts (admin)."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from assistant.curation import auth
from assistant.curation.models import StaffUser
from assistant.curation.pages import (
    csrf_field,
    h,
    layout,
    local_time,
    table,
)
from assistant.curation.pages import (
    select as select_html,
)
from assistant.curation.staff.common import (
    blocking,
    ctx_of,
    flash,
    form_of,
    html,
    redirect,
    staff_only,
    state,
)

# ------------------------------------------------------------------ users (admin)

@staff_only("admin")
async def users_page(request: web.Request) -> web.StreamResponse:
    return await _render_users(request, [], 200)


async def _render_users(request: web.Request, notices: list[tuple[str, str]], status: int) -> web.Response:
    st = state(request)
    ctx = ctx_of(request)

    def load() -> list:
        with st.sm() as session:
            return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))

    users = await blocking(load)
    roles = [(r, f"{auth.ROLE_LABELS[r]} ({r})") for r in auth.ROLES]
    rows = []
    for u in users:
        locked = auth.is_locked(u)
        state_text = "gesperrt (Fehlversuche)" if locked else ("aktiv" if u.active else "deaktiviert")
        actions = (f'<form method="post" action="/staff/users/{u.id}" class="inline">{csrf_field(ctx)}'
                   f'{select_html("role", roles, u.role, "", False, f"role-{u.id}", f"Rolle von {u.username}")}'
                   f'<button type="submit" name="action" value="role" class="small">Rolle speichern</button>'
                   + ('<button type="submit" name="action" value="unlock" class="small">Entsperren</button>' if locked else "")
                   + ('<button type="submit" name="action" value="deactivate" class="small secondary">Deaktivieren</button>'
                      if u.active else '<button type="submit" name="action" value="activate" class="small">Aktivieren</button>')
                   + "</form>")
        rows.append([h(u.username), h(auth.ROLE_LABELS.get(u.role, u.role)), h(state_text),
                     h(local_time(u.last_login_at, st.tz) or "nie"), actions])
    add = (f'<form method="post" action="/staff/users" class="card">{csrf_field(ctx)}<h2>Neuen Zugang anlegen</h2>'
           '<label for="new-username">Benutzername</label><input id="new-username" name="username" required maxlength="64" '
           'autocomplete="off">'
           f'{select_html("role", roles, "editor", "Rolle", True, "new-role")}'
           f'<label for="new-password">Passwort (mindestens {auth.MIN_PASSWORD_LENGTH} Zeichen)</label>'
           '<input id="new-password" name="password" type="password" required autocomplete="new-password">'
           '<label for="new-password2">Passwort wiederholen</label>'
           '<input id="new-password2" name="password2" type="password" required autocomplete="new-password">'
           '<button type="submit">Zugang anlegen</button></form>')
    body = ('<p class="lead">Redaktion (editor): Eingang, Ortsinfos, Übersicht. Verwaltung (admin): zusätzlich Training '
            'und Zugänge.</p>' + table(["Benutzer", "Rolle", "Status", "Letzte Anmeldung", "Aktion"], rows, "Zugänge") + add)
    return html(layout("Zugänge", body, ctx, "users", notices + flash(request)), status)


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


