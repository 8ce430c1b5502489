"""Staff web UI under /staff (German). Registered by :func:`assistant.web.app.create_app`.

Routes
  GET  /staff/                          -> inbox (or login)
  GET  /staff/login, POST /staff/login  login (argon2id; 5 wrong passwords lock the user 15 min)
  POST /staff/logout
  GET  /staff/inbox                     misunderstood / unsure / thumbs-down / human requests, grouped
  POST /staff/inbox/assign              add a training example (intent, optional service)
  POST /staff/inbox/dismiss             "not our topic": hide the group
  GET  /staff/local                     municipalities
  GET  /staff/local/{mid}, POST         edit a municipality file (validated before saving)
  GET  /staff/history, /staff/history/{id}, POST /staff/history/{id}/revert
  GET  /staff/overview                  figures, callbacks, today's appointments
  POST /staff/callbacks/{id}/done
  GET  /staff/feedback                  thumbs up/down
  GET  /staff/training                  (admin) retrain and publish, rollback
  POST /staff/training/start, POST /staff/training/rollback
  GET  /staff/training/{id}, GET /staff/training/{id}/status  (JSON for the progress page)
  GET  /staff/users, POST /staff/users, POST /staff/users/{id}  (admin)
  GET  /staff/static/*                  CSS and JS of the staff UI
Every POST needs the session's CSRF token; pages are never cached.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import yaml
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.config import Settings
from assistant.curation import auth, inbox, kbedit, stats
from assistant.curation.curated import CurationError, add_example
from assistant.curation.models import InboxDecision, KBChange, StaffUser, TrainingRun, utcnow
from assistant.curation.pages import (
    INTENT_LABELS,
    REASON_CLASSES,
    StaffContext,
    csrf_field,
    forbidden_page,
    h,
    layout,
    local_time,
    login_page,
    select as select_html,
    table,
)
from assistant.curation.redact import redact
from assistant.curation.settings import CurationSettings, curation_settings
from assistant.curation.training import STATUS_LABELS, STEP_LABELS, STEPS, AlreadyRunning, TrainingManager, tail
from assistant.kb.loader import KBValidationError, KnowledgeBase, load_kb
from assistant.web.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
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
    return request.app[STATE]


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


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
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args))


_kb_lock = threading.Lock()
_kb_cache: dict[str, tuple[tuple, Optional[KnowledgeBase]]] = {}


def current_kb(kb_dir: Path) -> Optional[KnowledgeBase]:
    """The knowledge base from the YAML files (cached until a file changes); None if invalid."""
    sig = tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in kb_dir.rglob("*.yml")))
    with _kb_lock:
        hit = _kb_cache.get(str(kb_dir))
        if hit and hit[0] == sig:
            return hit[1]
    try:
        kb: Optional[KnowledgeBase] = load_kb(kb_dir)
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


def staff_only(role: str = "editor") -> Callable[[Handler], Handler]:
    """Require a valid session (and the admin role if asked); every POST needs the CSRF token."""

    def deco(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            st = state(request)
            with st.sm() as session:
                loaded = auth.load_session(session, request.cookies.get(COOKIE))
                if loaded is not None:
                    sess, user = loaded
                    ctx = StaffContext(user.id, user.username, user.role, sess.csrf_token)
            if loaded is None:
                if request.method == "GET":
                    return redirect("/staff/login?" + urlencode({"next": request.path_qs}))
                return html(forbidden_page(None, "Bitte melden Sie sich zuerst an."), 403)
            if request.method == "POST":
                form = await request.post()
                if not auth.csrf_ok(ctx.csrf, str(form.get("csrf_token") or "")):
                    return html(forbidden_page(ctx, "Die Sicherheitsprüfung ist fehlgeschlagen. Bitte laden Sie die "
                                                    "Seite neu und versuchen Sie es noch einmal."), 403)
                request[FORM] = form
            if role == "admin" and not ctx.is_admin:
                return html(forbidden_page(ctx, "Diese Seite ist nur für die Verwaltung (Rolle admin)."), 403)
            request[STAFF] = ctx
            response = await handler(request)
            response.headers["Cache-Control"] = "no-store"
            return response

        return wrapper

    return deco


def ctx_of(request: web.Request) -> StaffContext:
    return request[STAFF]


def form_of(request: web.Request) -> Any:
    return request[FORM]


# ------------------------------------------------------------------ login / logout

def _login_form(request: web.Request, error: str = "", username: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    info = MESSAGES["logged_out"][1] if request.query.get("m") == "logged_out" and not error else ""
    resp = html(login_page(error, username, token, safe_next(request.query.get("next", "")
                                                                 or request.get(NEXT, "")), info), status)
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=state(request).secure_cookies,
                    path="/staff", max_age=3600)
    return resp


async def login_get(request: web.Request) -> web.StreamResponse:
    st = state(request)
    with st.sm() as session:
        if auth.load_session(session, request.cookies.get(COOKIE)) is not None:
            return redirect(safe_next(request.query.get("next", "")))
    return _login_form(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    st = state(request)
    form = await request.post()
    request[NEXT] = str(form.get("next") or "")
    if not auth.csrf_ok(request.cookies.get(LOGIN_COOKIE), str(form.get("csrf_token") or "")):
        return html(forbidden_page(None, "Die Sicherheitsprüfung ist fehlgeschlagen. Bitte laden Sie die "
                                         "Anmeldeseite neu."), 403)
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    if not st.login_limit.allow(request.remote or "unknown"):
        return _login_form(request, "Zu viele Anmeldeversuche. Bitte warten Sie eine Minute.", username, 429)

    def check() -> tuple[Optional[str], auth.LoginResult]:
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
    with st.sm() as session:
        auth.end_session(session, request.cookies.get(COOKIE))
    resp = redirect("/staff/login?m=logged_out")
    resp.del_cookie(COOKIE, path="/staff")
    return resp


async def index(request: web.Request) -> web.StreamResponse:
    return redirect("/staff/inbox")


# ------------------------------------------------------------------ inbox

def _conversation(item: inbox.Item, tz: ZoneInfo) -> str:
    parts = []
    for turn in item.before:
        parts.append(_turn_html(turn, False))
    parts.append(_turn_html(item.turn, True))
    for turn in item.after:
        parts.append(_turn_html(turn, False))
    when = local_time(item.turn.when, tz)
    conf = f" · Sicherheit {item.turn.confidence:.0%}" if isinstance(item.turn.confidence, (int, float)) else ""
    return (f'<div class="conv"><p class="meta">{h(when)} · erkannt: {h(item.turn.intent or "–")}{h(conf)}</p>'
            f'<ol>{"".join(parts)}</ol></div>')


def _turn_html(turn: inbox.Turn, focus: bool) -> str:
    text = h(turn.display_text())
    if focus:
        text = f"<mark>{text}</mark>"
    bots = "".join(f'<li class="bot"><span class="who">Assistent:</span> {h(redact(b))}</li>' for b in turn.bot_texts[:3])
    return f'<li class="user{" focus" if focus else ""}"><span class="who">Bürger/in:</span> {text}</li>{bots}'


def _badges(reasons: dict[str, int]) -> str:
    return " ".join(f'<span class="badge {REASON_CLASSES.get(k, "")}">{h(inbox.REASONS.get(k, k))}: {v}</span>'
                    for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))


def _cluster_html(c: inbox.Cluster, n: int, ctx: StaffContext, intents: list[str],
                  services: list[tuple[str, str]], tz: ZoneInfo) -> str:
    ids = "".join(f'<input type="hidden" name="event_id" value="{i}">' for i in c.event_ids[:MAX_EVENT_IDS])
    examples = "".join(_conversation(item, tz) for item in c.items[:3])
    label = c.label
    fix = ""
    if not c.is_payload:
        fix = (f'<form method="post" action="/staff/inbox/assign" class="fix">{csrf_field(ctx)}{ids}'
               f'<div class="field"><label for="text-{n}">Beispielsatz (ohne persönliche Daten)</label>'
               f'<input id="text-{n}" name="text" maxlength="300" required value="{h(label)}"></div>'
               f'<div class="field">{select_html("intent", [("", "– bitte wählen –")] + intent_options(intents), "", "Was wollte die Person? (Absicht)", True, f"intent-{n}")}</div>'
               f'<div class="field">{select_html("service", [("", "– keine –")] + services, "", "Leistung (optional)", False, f"service-{n}")}</div>'
               '<button type="submit">Als Trainingsbeispiel speichern</button></form>')
    dismiss = (f'<form method="post" action="/staff/inbox/dismiss" class="dismiss">{csrf_field(ctx)}{ids}'
               f'<button type="submit" class="secondary">{"Nicht unser Thema" if not c.is_payload else "Erledigt – ausblenden"}</button></form>')
    return (f'<article class="cluster" aria-labelledby="c-{n}"><h2 id="c-{n}">„{h(label)}“</h2>'
            f'<p class="meta">{c.count}× · zuletzt {h(local_time(c.last_seen, tz))} · {_badges(dict(c.reasons))}</p>'
            f'<details><summary>Gespräch ansehen ({min(3, c.count)} von {c.count})</summary>{examples}</details>'
            f'<div class="actions">{fix}{dismiss}</div></article>')


async def _render_inbox(request: web.Request, notices: list[tuple[str, str]], status: int = 200) -> web.Response:
    st = state(request)
    ctx = ctx_of(request)
    reason = request.query.get("grund", "")
    reason = reason if reason in inbox.REASONS else ""
    clusters = await blocking(inbox.build_inbox, st.sm, st.settings.effective_tracker_url, st.csettings.inbox_days,
                              None, reason or None)
    kb = await blocking(current_kb, st.settings.kb_dir)
    services = sorted(((s, svc.name) for s, svc in kb.services.items()), key=lambda x: x[1]) if kb else []
    intents = domain_intents(st.csettings.domain_file)
    filters = ['<a href="/staff/inbox"' + (' aria-current="true"' if not reason else "") + ">Alle</a>"]
    for key, label in inbox.REASONS.items():
        cur = ' aria-current="true"' if key == reason else ""
        filters.append(f'<a href="/staff/inbox?grund={key}"{cur}>{h(label)}</a>')
    intro = (f'<p class="lead">Nachrichten der letzten {st.csettings.inbox_days} Tage, bei denen der Assistent nicht '
             'sicher war, nicht weiterwusste, eine schlechte Bewertung bekam oder nach einem Menschen gefragt wurde. '
             'Ähnliche Nachrichten sind zusammengefasst. Persönliche Daten sind ersetzt, z. B. durch [Telefon].</p>'
             f'<p class="filters">Anzeigen: {" · ".join(filters)}</p>')
    if not clusters:
        body = intro + '<p class="empty">Der Eingang ist leer. Es gibt nichts zu tun.</p>'
    else:
        more = (f'<p class="hint">Es werden die {MAX_CLUSTERS} größten von {len(clusters)} Gruppen gezeigt.</p>'
                if len(clusters) > MAX_CLUSTERS else "")
        body = intro + f'<p>{len(clusters)} Gruppen, {sum(c.count for c in clusters)} Nachrichten.</p>' + more + "".join(
            _cluster_html(c, n, ctx, intents, services, st.tz) for n, c in enumerate(clusters[:MAX_CLUSTERS]))
    return html(layout("Eingang", body, ctx, "inbox", notices), status)


@staff_only()
async def inbox_page(request: web.Request) -> web.StreamResponse:
    return await _render_inbox(request, flash(request))


def _event_ids(form: Any) -> list[int]:
    out = []
    for raw in form.getall("event_id", [])[:MAX_EVENT_IDS]:
        if str(raw).isdigit():
            out.append(int(raw))
    return out


def _decide(st: StaffState, event_ids: list[int], decision: str, user: str, intent: Optional[str] = None,
            service: Optional[str] = None, example: Optional[str] = None, extra_keys: tuple[str, ...] = ()) -> int:
    keys = {t.key for t in inbox.turns_by_ids(st.settings.effective_tracker_url, event_ids)} | set(extra_keys)
    keys.discard("")
    with st.sm() as session:
        existing = set(session.scalars(select(InboxDecision.text_key).where(InboxDecision.text_key.in_(keys))))
        for key in keys - existing:
            session.add(InboxDecision(text_key=key, decision=decision, intent=intent, service=service,
                                      example=example, decided_by=user, decided_at=utcnow()))
        session.commit()
    return len(keys)


@staff_only()
async def inbox_assign(request: web.Request) -> web.StreamResponse:
    st = state(request)
    ctx = ctx_of(request)
    form = form_of(request)
    intent = str(form.get("intent") or "")
    service = str(form.get("service") or "") or None
    text = str(form.get("text") or "")
    if intent not in domain_intents(st.csettings.domain_file):
        return await _render_inbox(request, [("error", "Bitte wählen Sie eine Absicht aus der Liste.")], 400)
    kb = await blocking(current_kb, st.settings.kb_dir)
    if service and (kb is None or service not in kb.services):
        return await _render_inbox(request, [("error", "Diese Leistung gibt es nicht.")], 400)
    try:
        result = await blocking(add_example, st.csettings.curated_nlu, text, intent, service, kb,
                                st.csettings.nlu_data_dir)
    except CurationError as exc:
        return await _render_inbox(request, [("error", str(exc))], 400)
    if result.status == "conflict":
        label = INTENT_LABELS.get(result.other_intent, result.other_intent)
        return await _render_inbox(request, [("error", f"Dieser Satz steht schon bei der Absicht „{label}“ "
                                                       f"({result.other_intent}) in den Trainingsdaten "
                                                       f"({result.other_file}). Bitte prüfen Sie die Auswahl.")], 409)
    from assistant.curation.inbox import text_key

    await blocking(_decide, st, _event_ids(form), "assigned", ctx.username, intent, service, result.example,
                   (text_key(text),))
    return redirect(f"/staff/inbox?m={'added' if result.status == 'added' else 'duplicate'}")


@staff_only()
async def inbox_dismiss(request: web.Request) -> web.StreamResponse:
    st = state(request)
    ids = _event_ids(form_of(request))
    if not ids:
        return await _render_inbox(request, [("error", "Keine Nachricht ausgewählt.")], 400)
    await blocking(_decide, st, ids, "not_our_topic", ctx_of(request).username)
    return redirect("/staff/inbox?m=dismissed")


# ------------------------------------------------------------------ local data

@staff_only()
async def local_list(request: web.Request) -> web.StreamResponse:
    st = state(request)
    files = kbedit.municipality_files(st.settings.kb_dir)
    kb = await blocking(current_kb, st.settings.kb_dir)
    rows = []
    for mid, path in files.items():
        mun = kb.municipalities.get(mid) if kb else None
        name = mun.name if mun else mid
        n_answers = str(len(mun.local_answers)) if mun else "?"
        n_services = str(len(mun.services)) if mun else "?"
        rows.append([f'<a href="/staff/local/{h(mid)}">{h(name)}</a>', h(n_answers), h(n_services),
                     f"<code>{h(kbedit.rel_name(st.settings.kb_dir, path))}</code>"])
    warn = [] if kb is not None else [("error", "Die Wissensbasis enthält gerade Fehler. Bitte korrigieren Sie sie.")]
    body = ('<p class="lead">Hier pflegen Sie die Daten der Gemeinden: Antworten auf Fragen zum Ort (<code>local_answers</code>) '
            'und was in der Gemeinde anders ist als bundesweit (<code>services</code>). Jede Änderung wird vor dem '
            'Speichern geprüft und im Verlauf festgehalten.</p>'
            + table(["Gemeinde", "Ortsinfos", "Abweichungen bei Leistungen", "Datei"], rows, "Gemeinden"))
    return html(layout("Ortsinfos", body, ctx_of(request), "local", flash(request) + warn))


HELP_LOCAL = """<details class="help"><summary>So ist eine Ortsinfo aufgebaut</summary><pre>local_answers:
  - id: dorffest_kleinwalde          # nur Kleinbuchstaben, Ziffern und _
    questions:                       # mindestens 3 Beispielfragen
      - Wann ist das Dorffest?
      - Was gibt es beim Dorffest?
      - Kann ich beim Dorffest helfen?
    answer: >-
      Das Dorffest ist am Samstag, 22. August, ab 14 Uhr auf der Festwiese.</pre>
<p>Achten Sie auf die Einrückung mit Leerzeichen (keine Tabulatoren) und auf das Leerzeichen nach dem Doppelpunkt.</p></details>"""


def _problems_html(problems: list, rel_path: str) -> str:
    own = [p for p in problems if p.file == rel_path]
    other = [p for p in problems if p.file != rel_path]

    def item(p: Any, with_file: bool) -> str:
        where = f"Zeile {p.line}" if p.line else "Datei"
        fld = f" ({h(p.field)})" if p.field else ""
        if with_file:
            return f"<li><strong>{h(p.file)}, {h(where)}</strong>{fld}: {h(p.message)}</li>"
        label = f'<a href="#content" data-line="{int(p.line)}">{h(where)}</a>' if p.line else h(where)
        return f"<li><strong>{label}</strong>{fld}: {h(p.message)}</li>"

    out = '<div class="errors" role="alert"><h2>Nicht gespeichert – bitte korrigieren Sie:</h2>'
    if own:
        out += "<ul>" + "".join(item(p, False) for p in own) + "</ul>"
    if other:
        if own:
            out += (f"<details><summary>Dazu {len(other)} Meldungen in anderen Dateien (meist Folgefehler, "
                    "die mit der Korrektur oben verschwinden)</summary><ul>"
                    + "".join(item(p, True) for p in other) + "</ul></details>")
        else:
            out += "<ul>" + "".join(item(p, True) for p in other) + "</ul>"
    return out + "</div>"


def _local_edit_html(request: web.Request, mid: str, rel_path: str, content: str, base_digest: str,
                     notices: list[tuple[str, str]], problems: Optional[list] = None) -> str:
    errors = _problems_html(problems, rel_path) if problems else ""
    body = (f'<p><a href="/staff/local">← Alle Gemeinden</a> · <a href="/staff/history?datei={quote(rel_path)}">'
            'Änderungen dieser Datei</a></p>'
            f'{errors}{HELP_LOCAL}'
            f'<form method="post" action="/staff/local/{h(mid)}" class="editor">{csrf_field(ctx_of(request))}'
            f'<input type="hidden" name="base" value="{h(base_digest)}">'
            f'<label for="content">Inhalt der Datei <code>{h(rel_path)}</code></label>'
            f'<textarea id="content" name="content" rows="36" spellcheck="false" autocapitalize="off" '
            f'autocomplete="off" wrap="off">{h(content)}</textarea>'
            '<button type="submit">Prüfen und speichern</button></form>')
    m = re.search(r"^name:\s*(.+?)\s*$", content, flags=re.MULTILINE)
    name = m.group(1).strip("'\"") if m else mid
    return layout(f"Ortsinfos: {name}", body, ctx_of(request), "local", notices)


def _municipality_path(request: web.Request) -> tuple[str, Path, str]:
    st = state(request)
    mid = request.match_info["mid"]
    files = kbedit.municipality_files(st.settings.kb_dir)
    if mid not in files:
        raise web.HTTPNotFound(text="Diese Gemeinde gibt es nicht.")
    return mid, files[mid], kbedit.rel_name(st.settings.kb_dir, files[mid])


@staff_only()
async def local_edit(request: web.Request) -> web.StreamResponse:
    mid, path, rel_path = _municipality_path(request)
    content = path.read_text(encoding="utf-8")
    return html(_local_edit_html(request, mid, rel_path, content, kbedit.digest(content), flash(request)))


@staff_only()
async def local_save(request: web.Request) -> web.StreamResponse:
    st = state(request)
    mid, path, rel_path = _municipality_path(request)
    form = form_of(request)
    content = str(form.get("content") or "")
    base = str(form.get("base") or "")
    result = await blocking(kbedit.save, st.sm, st.settings.kb_dir, rel_path, content, ctx_of(request).username,
                            base or None, st.settings.effective_database_url)
    if result.ok:
        return redirect(f"/staff/local/{mid}?m={'saved' if result.change_id else 'unchanged'}")
    return html(_local_edit_html(request, mid, rel_path, kbedit.normalize_content(content), base,
                                 [("error", result.message)], result.problems), 422 if result.problems else 409)


# ------------------------------------------------------------------ history

@staff_only()
async def history_list(request: web.Request) -> web.StreamResponse:
    st = state(request)
    wanted = request.query.get("datei", "")
    with st.sm() as session:
        q = select(KBChange).order_by(KBChange.id.desc()).limit(200)
        if wanted:
            q = q.where(KBChange.file == wanted)
        changes = list(session.scalars(q))
    rows = [[h(local_time(c.changed_at, st.tz)), f"<code>{h(c.file)}</code>", h(c.changed_by),
             h("Rückgängig gemacht" if c.action == "revert" else "Änderung"),
             f'<a href="/staff/history/{c.id}">ansehen</a>'] for c in changes]
    body = ('<p class="lead">Alle Änderungen an den Gemeinde-Daten aus dem Mitarbeiterbereich. Jede Änderung '
            'können Sie ansehen und rückgängig machen.</p>'
            + (table(["Zeit", "Datei", "Wer", "Art", "Details"], rows, "Änderungen") if rows
               else '<p class="empty">Noch keine Änderungen.</p>'))
    return html(layout("Änderungen", body, ctx_of(request), "history", flash(request)))


@staff_only()
async def history_detail(request: web.Request) -> web.StreamResponse:
    st = state(request)
    change_id = int(request.match_info["id"])
    with st.sm() as session:
        c = session.get(KBChange, change_id)
        if c is None:
            raise web.HTTPNotFound(text="Diese Änderung gibt es nicht.")
        diff_text = kbedit.diff(c.old_content, c.new_content, c.file)
        meta = (local_time(c.changed_at, st.tz), c.file, c.changed_by, c.action, c.reverts_id)
    lines = []
    for line in diff_text.splitlines():
        cls = "add" if line.startswith("+") and not line.startswith("+++") else \
            "del" if line.startswith("-") and not line.startswith("---") else "ctx"
        lines.append(f'<span class="{cls}">{h(line)}</span>')
    rev = f" (macht Änderung <a href=\"/staff/history/{meta[4]}\">#{meta[4]}</a> rückgängig)" if meta[4] else ""
    body = (f'<p><a href="/staff/history">← Alle Änderungen</a></p>'
            f'<p>Änderung #{change_id} an <code>{h(meta[1])}</code> von {h(meta[2])} am {h(meta[0])}{rev}.</p>'
            f'<pre class="diff">{chr(10).join(lines) or "Keine Unterschiede."}</pre>'
            f'<form method="post" action="/staff/history/{change_id}/revert" data-confirm="Diese Änderung wirklich rückgängig machen?">'
            f'{csrf_field(ctx_of(request))}<button type="submit" class="secondary">Diese Änderung rückgängig machen</button></form>')
    return html(layout(f"Änderung #{change_id}", body, ctx_of(request), "history", flash(request)))


@staff_only()
async def history_revert(request: web.Request) -> web.StreamResponse:
    st = state(request)
    change_id = int(request.match_info["id"])
    result = await blocking(kbedit.revert, st.sm, st.settings.kb_dir, change_id, ctx_of(request).username,
                            st.settings.effective_database_url)
    if result.ok:
        return redirect(f"/staff/history/{result.change_id or change_id}?m={'reverted' if result.change_id else 'unchanged'}")
    details = "; ".join(str(p) for p in result.problems[:5])
    text = result.message + (f" {details}" if details else "")
    body = f'<p><a href="/staff/history/{change_id}">← Zurück zur Änderung</a></p>'
    return html(layout("Rückgängig nicht möglich", body, ctx_of(request), "history", [("error", text)]), 409)


# ------------------------------------------------------------------ overview

@staff_only()
async def overview_page(request: web.Request) -> web.StreamResponse:
    st = state(request)
    days = 14
    ov = await blocking(stats.overview, st.sm, st.settings.effective_tracker_url, st.tz, days)
    kb = await blocking(current_kb, st.settings.kb_dir)
    share = f"{ov.share:.0%}" if ov.share is not None else "–"
    svc_rows = [((kb.services[s].name if kb and s in kb.services else s), float(n)) for s, n in ov.services.most_common(8)]
    day_rows = [[h(f"{d.day:%d.%m.%Y}"), str(d.questions), str(d.answered),
                 h(f"{d.share:.0%}" if d.share is not None else "–")] for d in ov.days]
    cb = await blocking(stats.callbacks, st.sm)
    ctx = ctx_of(request)
    cb_rows = []
    for r in cb.open_rows:
        office = kb.offices[r.office_id].name if kb and r.office_id in (kb.offices if kb else {}) else (r.office_id or "–")
        cb_rows.append([h(local_time(r.created_at, st.tz)), h(office), h(redact(r.topic)), h(r.phone),
                        h(r.preferred_time),
                        f'<form method="post" action="/staff/callbacks/{r.id}/done">{csrf_field(ctx)}'
                        '<button type="submit" class="small">Erledigt</button></form>'])
    appt_html = ""
    if kb is not None:
        from assistant.booking.service import utc

        appts = await blocking(stats.appointments_today, st.sm, kb, st.tz)
        rows = [[h(name), str(len(items)),
                 h(", ".join(f"{utc(a.start).astimezone(st.tz):%H:%M} "
                             f"{kb.services[a.service_slug].name if a.service_slug in kb.services else a.service_slug}"
                             for a in items) or "–")] for _oid, name, items in appts]
        appt_html = table(["Amt", "Termine", "Uhrzeit und Leistung"], rows, f"Termine heute, {dt.datetime.now(st.tz):%d.%m.%Y}")
    body = (f'<section><h2>Fragen der letzten {days} Tage</h2>'
            f'<p class="figures"><span><strong>{ov.questions}</strong> Fragen</span> <span><strong>{share}</strong> beantwortet '
            f'(ohne „nicht verstanden“)</span> <span><strong>{ov.conversations}</strong> Gespräche</span></p>'
            f'{stats.day_chart(ov.days, "Fragen pro Tag (hell) und davon beantwortet (dunkel)")}'
            f'<details><summary>Als Tabelle</summary>{table(["Tag", "Fragen", "beantwortet", "Anteil"], day_rows)}</details></section>'
            f'<section><h2>Häufigste Leistungen</h2>{stats.bar_chart(svc_rows, "Häufigste Leistungen")}</section>'
            f'<section><h2>Häufigste Probleme</h2>{stats.bar_chart(stats.reason_rows(ov.reasons), "Häufigste Probleme")}'
            '<p><a href="/staff/inbox">Zum Eingang</a></p></section>'
            f'<section><h2>Rückrufe</h2><p>Offen: <strong>{cb.open}</strong> · Erledigt: {cb.done}</p>'
            + (table(["Eingang", "Amt", "Thema", "Telefon", "Wunschzeit", "Aktion"], cb_rows, "Offene Rückrufe")
               if cb_rows else '<p class="empty">Keine offenen Rückrufe.</p>')
            + f'</section><section><h2>Termine heute</h2>{appt_html}</section>')
    return html(layout("Übersicht", body, ctx, "overview", flash(request)))


@staff_only()
async def callback_done(request: web.Request) -> web.StreamResponse:
    from assistant.booking.models import CallbackRequest

    st = state(request)
    with st.sm() as session:
        row = session.get(CallbackRequest, int(request.match_info["id"]))
        if row is None:
            raise web.HTTPNotFound(text="Diesen Rückruf gibt es nicht (mehr).")
        if row.done_at is None:
            row.done_at = utcnow()
            session.commit()
    return redirect("/staff/overview?m=done")


# ------------------------------------------------------------------ feedback

@staff_only()
async def feedback_page(request: web.Request) -> web.StreamResponse:
    from sqlalchemy import func

    from assistant.feedback import Feedback

    st = state(request)
    rating = request.query.get("bewertung", "")
    rating = rating if rating in ("up", "down") else ""
    with st.sm() as session:
        counts = dict(session.execute(select(Feedback.rating, func.count()).group_by(Feedback.rating)).all())
        q = select(Feedback).order_by(Feedback.created_at.desc()).limit(200)
        if rating:
            q = q.where(Feedback.rating == rating)
        rows = list(session.scalars(q))
    label = {"up": "👍 hilfreich", "down": "👎 nicht hilfreich"}
    table_rows = [[h(local_time(r.created_at, st.tz)), h(label.get(r.rating, r.rating)), h(r.channel),
                   h(redact(r.bot_text)[:400])] for r in rows]
    current = ' aria-current="true"'
    links = " · ".join(f'<a href="/staff/feedback{q}"{current if cur else ""}>{t}</a>' for q, t, cur in
                       (("", "Alle", not rating), ("?bewertung=down", "Nur 👎", rating == "down"),
                        ("?bewertung=up", "Nur 👍", rating == "up")))
    body = (f'<p class="figures"><span><strong>{counts.get("up", 0)}</strong> × hilfreich</span> '
            f'<span><strong>{counts.get("down", 0)}</strong> × nicht hilfreich</span></p>'
            f'<p class="filters">Anzeigen: {links}</p>'
            '<p class="hint">Antworten mit 👎 erscheinen auch im Eingang, zusammen mit der Frage davor.</p>'
            + (table(["Zeit", "Bewertung", "Kanal", "Bewertete Antwort"], table_rows, "Bewertungen") if table_rows
               else '<p class="empty">Noch keine Bewertungen.</p>'))
    return html(layout("Bewertungen", body, ctx_of(request), "feedback"))


# ------------------------------------------------------------------ training (admin)

def _run_row(r: TrainingRun, tz: ZoneInfo) -> list[str]:
    kind = "Zurück zur vorherigen Version" if r.kind == "rollback" else "Training"
    return [f'<a href="/staff/training/{r.id}">#{r.id}</a>', h(kind), h(local_time(r.started_at, tz)), h(r.started_by),
            f'<span class="status status-{h(r.status)}">{h(STATUS_LABELS.get(r.status, r.status))}</span>',
            h(r.message)]


@staff_only("admin")
async def training_page(request: web.Request) -> web.StreamResponse:
    st = state(request)
    ctx = ctx_of(request)
    with st.sm() as session:
        runs = list(session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(20)))
        running = any(r.status == "running" for r in runs)
    published = st.training.latest_published()
    target = st.training.rollback_target()
    current = f"<code>{h(Path(published.model_path).name)}</code> (seit {h(local_time(published.finished_at, st.tz))})" \
        if published and published.model_path else "unbekannt (noch nichts aus dem Mitarbeiterbereich veröffentlicht)"
    start = (f'<form method="post" action="/staff/training/start" data-confirm="Training jetzt starten?">{csrf_field(ctx)}'
             f'<button type="submit"{" disabled" if running else ""}>Neu trainieren und veröffentlichen</button></form>')
    rollback = ""
    if target:
        rollback = (f'<form method="post" action="/staff/training/rollback" data-confirm="Wirklich zur vorherigen Version zurück?">'
                    f'{csrf_field(ctx)}<p>Vorherige Version: <code>{h(Path(target).name)}</code></p>'
                    f'<button type="submit" class="secondary"{" disabled" if running else ""}>Zurück zur vorherigen Version</button></form>')
    body = ('<p class="lead">Neue Trainingsbeispiele und Beispielfragen wirken erst nach einem Training. Das Training '
            'dauert einige Minuten. Danach prüfe ich die Trainingsdaten und die Testgespräche. Nur wenn beides klappt, '
            'beantwortet das neue Modell die Fragen. Das vorherige Modell bleibt erhalten.</p>'
            f'<p>Aktives Modell: {current}</p>'
            + (notice_running() if running else "") + f'<div class="actions">{start}{rollback}</div>'
            + (table(["Lauf", "Art", "Gestartet", "Von", "Status", "Ergebnis"], [_run_row(r, st.tz) for r in runs],
                     "Letzte Läufe") if runs else ""))
    return html(layout("Training", body, ctx, "training", flash(request)))


def notice_running() -> str:
    return '<p class="notice notice-ok" role="status">Gerade läuft ein Training.</p>'


@staff_only("admin")
async def training_start(request: web.Request) -> web.StreamResponse:
    st = state(request)
    try:
        run_id = await st.training.start(ctx_of(request).username, "train")
    except AlreadyRunning:
        return redirect("/staff/training?m=running")
    return redirect(f"/staff/training/{run_id}")


@staff_only("admin")
async def training_rollback(request: web.Request) -> web.StreamResponse:
    st = state(request)
    try:
        run_id = await st.training.start(ctx_of(request).username, "rollback")
    except AlreadyRunning:
        return redirect("/staff/training?m=running")
    return redirect(f"/staff/training/{run_id}")


def _run_status(st: StaffState, run_id: int) -> dict[str, Any]:
    with st.sm() as session:
        run = session.get(TrainingRun, run_id)
        if run is None:
            raise web.HTTPNotFound(text="Diesen Lauf gibt es nicht.")
        data = {"id": run.id, "kind": run.kind, "status": run.status,
                "status_label": STATUS_LABELS.get(run.status, run.status), "step": run.step,
                "step_label": STEP_LABELS.get(run.step, run.step), "message": run.message,
                "log": tail(Path(run.log_path), 80), "started_by": run.started_by,
                "started_at": local_time(run.started_at, st.tz), "finished_at": local_time(run.finished_at, st.tz),
                "model": Path(run.model_path).name if run.model_path else ""}
    return data


@staff_only("admin")
async def training_detail(request: web.Request) -> web.StreamResponse:
    st = state(request)
    run_id = int(request.match_info["id"])
    data = _run_status(st, run_id)
    steps = [("rollback", STEP_LABELS["rollback"])] if data["kind"] == "rollback" else list(STEPS)
    order = [k for k, _ in steps]
    items = []
    for key, label in steps:
        if data["status"] == "published":
            state_label, cls = "erledigt", "done"
        elif data["step"] == key:
            state_label, cls = ("läuft …", "active") if data["status"] == "running" else ("fehlgeschlagen", "failed")
        elif data["step"] in order and order.index(key) < order.index(data["step"]):
            state_label, cls = "erledigt", "done"
        else:
            state_label, cls = "offen", "todo"
        items.append(f'<li class="step step-{cls}" data-step="{h(key)}">{h(label)}: <span>{h(state_label)}</span></li>')
    body = (f'<p><a href="/staff/training">← Training</a></p>'
            f'<div id="run" data-status-url="/staff/training/{run_id}/status" data-status="{h(data["status"])}">'
            f'<p>Lauf #{run_id}, gestartet {h(data["started_at"])} von {h(data["started_by"])}. '
            f'Status: <strong id="run-status" class="status status-{h(data["status"])}">{h(data["status_label"])}</strong></p>'
            f'<p id="run-message" role="status">{h(data["message"])}</p>'
            f'<ol class="steps">{"".join(items)}</ol>'
            '<h2>Protokoll (letzte Zeilen)</h2>'
            f'<pre id="run-log" class="log" tabindex="0">{h(data["log"])}</pre>'
            + ('<p class="hint" id="run-refresh">Diese Seite aktualisiert sich von selbst. '
               f'<a href="/staff/training/{run_id}">Jetzt aktualisieren</a></p>' if data["status"] == "running" else "")
            + '</div>')
    return html(layout(f"Training – Lauf #{run_id}", body, ctx_of(request), "training", flash(request)))


@staff_only("admin")
async def training_status(request: web.Request) -> web.StreamResponse:
    data = _run_status(state(request), int(request.match_info["id"]))
    return web.json_response(data, headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------ users (admin)

@staff_only("admin")
async def users_page(request: web.Request) -> web.StreamResponse:
    return _render_users(request, [], 200)


def _render_users(request: web.Request, notices: list[tuple[str, str]], status: int) -> web.Response:
    st = state(request)
    ctx = ctx_of(request)
    with st.sm() as session:
        users = list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
    roles = [(r, f"{auth.ROLE_LABELS[r]} ({r})") for r in auth.ROLES]
    rows = []
    for u in users:
        locked = auth.is_locked(u)
        state_text = "gesperrt (Fehlversuche)" if locked else ("aktiv" if u.active else "deaktiviert")
        actions = (f'<form method="post" action="/staff/users/{u.id}" class="inline">{csrf_field(ctx)}'
                   f'{select_html("role", roles, u.role, "", False, f"role-{u.id}", f"Rolle von {u.username}")}'
                   f'<button type="submit" name="action" value="role" class="small">Rolle speichern</button>'
                   + ('<button type="submit" name="action" value="unlock" class="small">Entsperren</button>' if locked else "")
                   + (f'<button type="submit" name="action" value="deactivate" class="small secondary">Deaktivieren</button>'
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
        return _render_users(request, [("error", "Die beiden Passwörter sind verschieden.")], 400)

    def create() -> str:
        with st.sm() as session:
            try:
                auth.create_user(session, str(form.get("username") or ""), password, str(form.get("role") or "editor"))
            except auth.AuthError as exc:
                return str(exc)
        return ""

    error = await blocking(create)
    if error:
        return _render_users(request, [("error", error)], 400)
    return redirect("/staff/users?m=user_added")


@staff_only("admin")
async def users_change(request: web.Request) -> web.StreamResponse:
    st = state(request)
    ctx = ctx_of(request)
    form = form_of(request)
    action = str(form.get("action") or "")
    user_id = int(request.match_info["id"])
    with st.sm() as session:
        user = session.get(StaffUser, user_id)
        if user is None:
            raise web.HTTPNotFound(text="Diesen Zugang gibt es nicht.")
        if user.id == ctx.user_id and action in ("deactivate", "role") and \
                (action == "deactivate" or str(form.get("role")) != user.role):
            return redirect("/staff/users?m=self")
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
        session.commit()
    return redirect("/staff/users?m=user_saved")


# ------------------------------------------------------------------ setup

async def _on_startup(app: web.Application) -> None:
    app[STATE].training.mark_interrupted()


async def _on_cleanup(app: web.Application) -> None:
    await app[STATE].training.shutdown()


def setup_staff_routes(app: web.Application) -> None:
    """Register /staff on the resident-facing web app (same process, same port)."""
    from assistant.db import get_sessionmaker
    from assistant.web.app import SETTINGS

    settings = app[SETTINGS]
    csettings = curation_settings()
    sm = get_sessionmaker(settings.effective_database_url)
    app[STATE] = StaffState(settings, csettings, sm, TrainingManager(settings, csettings, sm),
                            RateLimiter(LOGINS_PER_MINUTE))
    r = app.router
    r.add_get("/staff", index)
    r.add_get("/staff/", index)
    r.add_get("/staff/login", login_get)
    r.add_post("/staff/login", login_post)
    r.add_post("/staff/logout", logout)
    r.add_get("/staff/inbox", inbox_page)
    r.add_post("/staff/inbox/assign", inbox_assign)
    r.add_post("/staff/inbox/dismiss", inbox_dismiss)
    r.add_get("/staff/local", local_list)
    r.add_get(r"/staff/local/{mid:[a-z][a-z0-9_]*}", local_edit)
    r.add_post(r"/staff/local/{mid:[a-z][a-z0-9_]*}", local_save)
    r.add_get("/staff/history", history_list)
    r.add_get(r"/staff/history/{id:\d+}", history_detail)
    r.add_post(r"/staff/history/{id:\d+}/revert", history_revert)
    r.add_get("/staff/overview", overview_page)
    r.add_post(r"/staff/callbacks/{id:\d+}/done", callback_done)
    r.add_get("/staff/feedback", feedback_page)
    r.add_get("/staff/training", training_page)
    r.add_post("/staff/training/start", training_start)
    r.add_post("/staff/training/rollback", training_rollback)
    r.add_get(r"/staff/training/{id:\d+}", training_detail)
    r.add_get(r"/staff/training/{id:\d+}/status", training_status)
    r.add_get("/staff/users", users_page)
    r.add_post("/staff/users", users_add)
    r.add_post(r"/staff/users/{id:\d+}", users_change)
    r.add_static("/staff/static/", STATIC_DIR, show_index=False)
    app.on_startup.append(_on_startup)
    app.on_cleanup.append(_on_cleanup)
