"""The inbox: what went wrong in conversations, grouped; assign an intent or dismiss."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from assistant.curation import inbox
from assistant.curation.curated import CurationError, add_example
from assistant.curation.models import InboxDecision, utcnow
from assistant.curation.pages import (
    INTENT_LABELS,
    REASON_CLASSES,
    StaffContext,
    csrf_field,
    h,
    layout,
    local_time,
)
from assistant.curation.pages import (
    select as select_html,
)
from assistant.curation.redact import redact
from assistant.curation.staff.common import (
    MAX_CLUSTERS,
    MAX_EVENT_IDS,
    StaffState,
    blocking,
    ctx_of,
    current_kb,
    domain_intents,
    flash,
    form_of,
    html,
    intent_options,
    redirect,
    staff_only,
    state,
)

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


def _decide(st: StaffState, event_ids: list[int], decision: str, user: str, intent: str | None = None,
            service: str | None = None, example: str | None = None, extra_keys: tuple[str, ...] = ()) -> int:
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


