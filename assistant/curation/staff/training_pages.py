"""Retrain, check and publish a model; roll back (admin)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from assistant.curation.models import TrainingRun
from assistant.curation.pages import local_time
from assistant.curation.staff.common import (
    StaffState,
    blocking,
    ctx_of,
    flash,
    redirect,
    staff_only,
    state,
)
from assistant.curation.staff.render import render
from assistant.curation.training import (
    STATUS_LABELS,
    STEP_LABELS,
    STEPS,
    AlreadyRunning,
    tail,
)

# ------------------------------------------------------------------ training (admin; templates/training/)


@dataclass(frozen=True)
class RunView:
    id: int
    kind: str
    started: str
    started_by: str
    status: str
    status_label: str
    message: str


@dataclass(frozen=True)
class PublishedView:
    name: str
    since: str


def _run_view(r: TrainingRun, tz: ZoneInfo) -> RunView:
    kind = "Zurück zur vorherigen Version" if r.kind == "rollback" else "Training"
    return RunView(r.id, kind, local_time(r.started_at, tz), r.started_by or "", r.status,
                   STATUS_LABELS.get(r.status, r.status), r.message or "")


def _load_training(st: StaffState) -> dict[str, Any]:
    with st.sm() as session:
        runs = [_run_view(r, st.tz)
                for r in session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(20))]
    published = st.training.latest_published()
    target = st.training.rollback_target()
    return {"runs": runs, "running": any(r.status == "running" for r in runs),
            "published": PublishedView(Path(published.model_path).name, local_time(published.finished_at, st.tz))
            if published and published.model_path else None,
            "rollback_target": Path(target).name if target else ""}


@staff_only("admin")
async def training_page(request: web.Request) -> web.StreamResponse:
    data = await blocking(_load_training, state(request))
    return render(request, "training/list.html", title="Training", active="training", notices=flash(request),
                  **data)


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


def _steps(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(key, label, state label, css class) of each step of a run."""
    steps = [("rollback", STEP_LABELS["rollback"])] if data["kind"] == "rollback" else list(STEPS)
    order = [k for k, _ in steps]
    out = []
    for key, label in steps:
        if data["status"] == "published":
            state_label, css = "erledigt", "done"
        elif data["step"] == key:
            state_label, css = ("läuft …", "active") if data["status"] == "running" else ("fehlgeschlagen", "failed")
        elif data["step"] in order and order.index(key) < order.index(data["step"]):
            state_label, css = "erledigt", "done"
        else:
            state_label, css = "offen", "todo"
        out.append((key, label, state_label, css))
    return out


@staff_only("admin")
async def training_detail(request: web.Request) -> web.StreamResponse:
    run_id = int(request.match_info["id"])
    data = await blocking(_run_status, state(request), run_id)
    return render(request, "training/detail.html", title=f"Training – Lauf #{run_id}", active="training",
                  notices=flash(request), run=data, steps=_steps(data))


@staff_only("admin")
async def training_status(request: web.Request) -> web.StreamResponse:
    data = await blocking(_run_status, state(request), int(request.match_info["id"]))
    return web.json_response(data, headers={"Cache-Control": "no-store"})


