"""Server-rendered HTML of the staff area (German, plain language, no inline scripts or styles)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Iterable, Optional, Sequence
from zoneinfo import ZoneInfo

INTENT_LABELS = {
    "greet": "Begrüßung",
    "goodbye": "Verabschiedung",
    "thank": "Dank",
    "affirm": "Ja / Zustimmung",
    "deny": "Nein / Ablehnung",
    "bot_challenge": "Bin ich mit einem Computer verbunden?",
    "help": "Was kann ich hier fragen?",
    "inform": "Angabe (Ort, Leistung, Antwort)",
    "out_of_scope": "Nicht unser Thema",
    "ask_documents": "Welche Unterlagen brauche ich?",
    "ask_howto": "Wie läuft das ab?",
    "ask_office": "Welches Amt ist zuständig?",
    "ask_opening_hours": "Öffnungszeiten",
    "ask_directions": "Wie komme ich hin?",
    "ask_online": "Geht das online?",
    "ask_fees": "Was kostet das?",
    "book_appointment": "Termin buchen",
    "cancel_appointment": "Termin absagen",
    "request_human": "Mit einem Menschen sprechen",
    "reschedule_appointment": "Termin verschieben",
    "ask_life_event": "Lebenslage (Umzug, Geburt, ...)",
    "check_documents": "Reichen meine Unterlagen?",
    "dont_know": "Weiß nicht",
    "ask_local": "Frage zum Ort (Ortsinfos)",
}
REASON_CLASSES = {"fallback": "badge-fallback", "unsure": "badge-unsure", "thumbs_down": "badge-down",
                  "human": "badge-human"}


def h(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


@dataclass
class StaffContext:
    user_id: int
    username: str
    role: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


NAV = (
    ("inbox", "/staff/inbox", "Eingang", "editor"),
    ("overview", "/staff/overview", "Übersicht", "editor"),
    ("feedback", "/staff/feedback", "Bewertungen", "editor"),
    ("forms", "/staff/forms", "Daten bearbeiten", "editor"),
    ("local", "/staff/local", "Ortsinfos (YAML)", "editor"),
    ("history", "/staff/history", "Änderungen", "editor"),
    ("training", "/staff/training", "Training", "admin"),
    ("users", "/staff/users", "Zugänge", "admin"),
)


def csrf_field(ctx: StaffContext) -> str:
    return f'<input type="hidden" name="csrf_token" value="{h(ctx.csrf)}">'


def local_time(value: Optional[dt.datetime], tz: ZoneInfo, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(tz).strftime(fmt)


def notice(kind: str, text: str) -> str:
    role = "alert" if kind == "error" else "status"
    return f'<div class="notice notice-{h(kind)}" role="{role}">{h(text)}</div>'


def layout(title: str, body: str, ctx: Optional[StaffContext] = None, active: str = "",
           notices: Sequence[tuple[str, str]] = (), extra_head: str = "") -> str:
    """A whole staff page around ``body`` (ready, escaped HTML) with the shared Jinja2 layout
    (templates/base.html), so every page has the same header, navigation and notices."""
    from assistant.curation.staff.render import environment

    return environment().get_template("page.html").render(
        title=title, body=body, staff=ctx, active=active, notices=list(notices), extra_head=extra_head)


def select(name: str, options: Iterable[tuple[str, str]], selected: str = "", label: str = "",
           required: bool = False, id_: str = "", aria_label: str = "") -> str:
    """A labelled select; without a visible ``label`` an ``aria_label`` is required (axe select-name)."""
    id_ = id_ or name
    opts = "".join(f'<option value="{h(v)}"{" selected" if v == selected else ""}>{h(t)}</option>' for v, t in options)
    req = " required" if required else ""
    if not label and not aria_label:
        raise ValueError("a select needs a label or an aria_label")
    lab = f'<label for="{h(id_)}">{h(label)}</label>' if label else ""
    aria = f' aria-label="{h(aria_label)}"' if aria_label and not label else ""
    return f'{lab}<select id="{h(id_)}" name="{h(name)}"{req}{aria}>{opts}</select>'


def login_page(error: str = "", username: str = "", csrf: str = "", next_url: str = "", info: str = "") -> str:
    body = ('<form method="post" action="/staff/login" class="card login">'
            f'<input type="hidden" name="csrf_token" value="{h(csrf)}">'
            f'<input type="hidden" name="next" value="{h(next_url)}">'
            '<p>Bitte melden Sie sich mit Ihrem Zugang an.</p>'
            f'<label for="username">Benutzername</label><input id="username" name="username" autocomplete="username" '
            f'required maxlength="64" value="{h(username)}" autofocus>'
            '<label for="password">Passwort</label><input id="password" name="password" type="password" '
            'autocomplete="current-password" required maxlength="1024">'
            '<button type="submit">Anmelden</button></form>'
            '<p class="hint">Noch keinen Zugang? Die Verwaltung legt ihn mit <code>assistant staff add NAME</code> an.</p>')
    notices = [("error", error)] if error else []
    if info:
        notices.append(("ok", info))
    return layout("Anmelden", body, None, notices=notices)


def forbidden_page(ctx: Optional[StaffContext], text: str) -> str:
    return layout("Kein Zugriff", f'<p>{h(text)}</p><p><a href="/staff/">Zur Startseite des Mitarbeiterbereichs</a></p>', ctx)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "", cls: str = "") -> str:
    """``rows`` contain ready HTML cells (escape before!). Every column needs a header text: screen
    readers announce it for each cell (axe rule empty-table-header)."""
    if any(not str(x).strip() for x in headers):
        raise ValueError("every table column needs a header text")
    head = "".join(f'<th scope="col">{h(x)}</th>' for x in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{h(caption)}</caption>" if caption else ""
    return f'<table class="{h(cls)}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
