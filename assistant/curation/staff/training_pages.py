"""Retrain, check and publish a model; roll back (admin)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from assistant.curation.models import TrainingRun
from assistant.curation.pages import (
    csrf_field,
    h,
    layout,
    local_time,
    table,
)
from assistant.curation.staff.common import (
    StaffState,
    blocking,
    ctx_of,
    flash,
    html,
    redirect,
    staff_only,
    state,
)
from assistant.curation.training import (
    STATUS_LABELS,
    STEP_LABELS,
    STEPS,
    AlreadyRunning,
    tail,
)

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
    def load() -> tuple[list, bool, Any, Any]:
        with st.sm() as session:
            runs = list(session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(20)))
        return runs, any(r.status == "running" for r in runs), st.training.latest_published(), \
            st.training.rollback_target()

    runs, running, published, target = await blocking(load)
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
    data = await blocking(_run_status, st, run_id)
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
    data = await blocking(_run_status, state(request), int(request.match_info["id"]))
    return web.json_response(data, headers={"Cache-Control": "no-store"})


