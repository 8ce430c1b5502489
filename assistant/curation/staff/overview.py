"""Overview (figures, callbacks, today's appointments) and feedback (thumbs up/down)."""
from __future__ import annotations

import datetime as dt

from aiohttp import web
from sqlalchemy import select

from assistant.curation import stats
from assistant.curation.models import utcnow
from assistant.curation.pages import (
    csrf_field,
    h,
    layout,
    local_time,
    table,
)
from assistant.curation.redact import redact
from assistant.curation.staff.common import (
    blocking,
    ctx_of,
    current_kb,
    flash,
    html,
    redirect,
    staff_only,
    state,
)

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
    callback_id = int(request.match_info["id"])

    def mark() -> bool:
        with st.sm() as session:
            row = session.get(CallbackRequest, callback_id)
            if row is None:
                return False
            if row.done_at is None:
                row.done_at = utcnow()
                session.commit()
            return True

    if not await blocking(mark):
        raise web.HTTPNotFound(text="Diesen Rückruf gibt es nicht (mehr).")
    return redirect("/staff/overview?m=done")


# ------------------------------------------------------------------ feedback

@staff_only()
async def feedback_page(request: web.Request) -> web.StreamResponse:
    from sqlalchemy import func

    from assistant.feedback import Feedback

    st = state(request)
    rating = request.query.get("bewertung", "")
    rating = rating if rating in ("up", "down") else ""
    def load() -> tuple[dict, list]:
        with st.sm() as session:
            counts = dict(session.execute(select(Feedback.rating, func.count()).group_by(Feedback.rating)).all())
            q = select(Feedback).order_by(Feedback.created_at.desc()).limit(200)
            if rating:
                q = q.where(Feedback.rating == rating)
            return counts, list(session.scalars(q))

    counts, rows = await blocking(load)
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


