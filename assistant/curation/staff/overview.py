"""Overview (figures, callbacks, today's appointments) and feedback (thumbs up/down)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select

from assistant.curation import stats
from assistant.curation.models import utcnow
from assistant.curation.pages import local_time
from assistant.curation.redact import redact
from assistant.curation.staff.common import (
    StaffState,
    blocking,
    current_kb,
    flash,
    redirect,
    staff_only,
    state,
)
from assistant.curation.staff.render import render

OVERVIEW_DAYS = 14

# ------------------------------------------------------------------ overview (templates/overview.html)


@dataclass(frozen=True)
class CallbackView:
    id: int
    created: str
    office: str
    topic: str
    phone: str
    preferred_time: str


@dataclass(frozen=True)
class AppointmentsView:
    office: str
    count: int
    times: str


def _load_overview(st: StaffState) -> dict[str, Any]:
    """Everything the overview shows, read in one go (runs in a thread)."""
    from assistant.booking.service import utc

    ov = stats.overview(st.sm, st.settings.effective_tracker_url, st.tz, OVERVIEW_DAYS)
    kb = current_kb(st.settings.kb_dir)
    svc_rows = [((kb.services[s].name if kb and s in kb.services else s), float(n))
                for s, n in ov.services.most_common(8)]
    cb = stats.callbacks(st.sm)
    offices = kb.offices if kb else {}
    callback_rows = [CallbackView(r.id, local_time(r.created_at, st.tz),
                                  offices[r.office_id].name if r.office_id in offices else (r.office_id or "–"),
                                  redact(r.topic), r.phone or "", r.preferred_time or "") for r in cb.open_rows]
    appointments = None
    if kb is not None:
        appointments = [AppointmentsView(name, len(items), ", ".join(
            f"{utc(a.start).astimezone(st.tz):%H:%M} "
            f"{kb.services[a.service_slug].name if a.service_slug in kb.services else a.service_slug}"
            for a in items)) for _oid, name, items in stats.appointments_today(st.sm, kb, st.tz)]
    return {"ov": ov, "share": f"{ov.share:.0%}" if ov.share is not None else "–",
            "days_chart": stats.day_chart(ov.days, "Fragen pro Tag (hell) und davon beantwortet (dunkel)"),
            "services_chart": stats.bar_chart(svc_rows, "Häufigste Leistungen"),
            "reasons_chart": stats.bar_chart(stats.reason_rows(ov.reasons), "Häufigste Probleme"),
            "callbacks": cb, "callback_rows": callback_rows, "appointments": appointments,
            "today": f"{dt.datetime.now(st.tz):%d.%m.%Y}"}


@staff_only()
async def overview_page(request: web.Request) -> web.StreamResponse:
    data = await blocking(_load_overview, state(request))
    return render(request, "overview.html", title="Übersicht", active="overview", notices=flash(request),
                  days=OVERVIEW_DAYS, **data)


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


# ------------------------------------------------------------------ feedback (templates/feedback.html)

RATING_LABELS = {"up": "👍 hilfreich", "down": "👎 nicht hilfreich"}


@dataclass(frozen=True)
class FeedbackView:
    when: str
    rating: str
    channel: str
    text: str


def _load_feedback(st: StaffState, rating: str) -> tuple[dict[str, int], list[FeedbackView]]:
    from sqlalchemy import func

    from assistant.feedback import Feedback

    with st.sm() as session:
        counts = dict(session.execute(select(Feedback.rating, func.count()).group_by(Feedback.rating)).all())
        q = select(Feedback).order_by(Feedback.created_at.desc()).limit(200)
        if rating:
            q = q.where(Feedback.rating == rating)
        rows = [FeedbackView(local_time(r.created_at, st.tz), RATING_LABELS.get(r.rating, r.rating), r.channel or "",
                             redact(r.bot_text)[:400]) for r in session.scalars(q)]
    return counts, rows


@staff_only()
async def feedback_page(request: web.Request) -> web.StreamResponse:
    rating = request.query.get("bewertung", "")
    rating = rating if rating in ("up", "down") else ""
    counts, rows = await blocking(_load_feedback, state(request), rating)
    filters = [("/staff/feedback", "Alle", not rating), ("/staff/feedback?bewertung=down", "Nur 👎", rating == "down"),
               ("/staff/feedback?bewertung=up", "Nur 👍", rating == "up")]
    return render(request, "feedback.html", title="Bewertungen", active="feedback", counts=counts, rows=rows,
                  filters=filters)
