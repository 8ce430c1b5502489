"""The inbox: what went wrong in conversations, grouped; assign an intent or dismiss."""
from __future__ import annotations

from dataclasses import dataclass
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
    local_time,
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
    intent_options,
    redirect,
    staff_only,
    state,
)
from assistant.curation.staff.render import render

# ------------------------------------------------------------------ inbox (views for templates/inbox.html)


@dataclass(frozen=True)
class TurnView:
    text: str
    bot_texts: list[str]


@dataclass(frozen=True)
class ConversationView:
    when: str
    intent: str
    confidence: str
    before: list[TurnView]
    turn: TurnView
    after: list[TurnView]


@dataclass(frozen=True)
class BadgeView:
    label: str
    count: int
    css: str


@dataclass(frozen=True)
class ClusterView:
    label: str
    count: int
    last_seen: str
    badges: list[BadgeView]
    conversations: list[ConversationView]
    event_ids: list[int]
    is_payload: bool


def _turn(turn: inbox.Turn) -> TurnView:
    return TurnView(turn.display_text(), [redact(b) for b in turn.bot_texts[:3]])


def _conversation(item: inbox.Item, tz: ZoneInfo) -> ConversationView:
    conf = f"{item.turn.confidence:.0%}" if isinstance(item.turn.confidence, (int, float)) else ""
    return ConversationView(local_time(item.turn.when, tz), item.turn.intent or "–", conf,
                            [_turn(t) for t in item.before], _turn(item.turn), [_turn(t) for t in item.after])


def _cluster(c: inbox.Cluster, tz: ZoneInfo) -> ClusterView:
    badges = [BadgeView(inbox.REASONS.get(k, k), v, REASON_CLASSES.get(k, ""))
              for k, v in sorted(dict(c.reasons).items(), key=lambda kv: -kv[1])]
    return ClusterView(c.label, c.count, local_time(c.last_seen, tz), badges,
                       [_conversation(item, tz) for item in c.items[:3]], list(c.event_ids[:MAX_EVENT_IDS]),
                       c.is_payload)


def _load_inbox(st: StaffState, reason: str) -> tuple[list[ClusterView], int, int]:
    clusters = inbox.build_inbox(st.sm, st.settings.effective_tracker_url, st.csettings.inbox_days, None,
                                 reason or None)
    views = [_cluster(c, st.tz) for c in clusters[:MAX_CLUSTERS]]
    return views, len(clusters), sum(c.count for c in clusters)


async def _render_inbox(request: web.Request, notices: list[tuple[str, str]], status: int = 200) -> web.Response:
    st = state(request)
    reason = request.query.get("grund", "")
    reason = reason if reason in inbox.REASONS else ""
    clusters, total_groups, total_messages = await blocking(_load_inbox, st, reason)
    kb = await blocking(current_kb, st.settings.kb_dir)
    services = sorted(((s, svc.name) for s, svc in kb.services.items()), key=lambda x: x[1]) if kb else []
    intents = await blocking(domain_intents, st.csettings.domain_file)
    filters = [("/staff/inbox", "Alle", not reason)] + [
        (f"/staff/inbox?grund={key}", label, key == reason) for key, label in inbox.REASONS.items()]
    return render(request, "inbox.html", status, title="Eingang", active="inbox", notices=notices,
                  days=st.csettings.inbox_days, filters=filters, clusters=clusters, total_groups=total_groups,
                  total_messages=total_messages,
                  intents=[("", "– bitte wählen –")] + intent_options(intents),
                  services=[("", "– keine –")] + services)


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
    if intent not in await blocking(domain_intents, st.csettings.domain_file):
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


