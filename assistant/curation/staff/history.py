"""History of local-data changes: list, diff, revert (one file, or every file of one save)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from aiohttp import web
from sqlalchemy import select

from assistant.curation import kbedit
from assistant.curation.models import KBChange
from assistant.curation.pages import local_time
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


@dataclass(frozen=True)
class ChangeView:
    id: int
    file: str
    by: str
    when: str
    action: str
    reverts_id: Optional[int]


def _view(c: KBChange, tz) -> ChangeView:
    return ChangeView(c.id, c.file, c.changed_by, local_time(c.changed_at, tz), c.action, c.reverts_id)


@staff_only()
async def history_list(request: web.Request) -> web.StreamResponse:
    st = state(request)
    wanted = request.query.get("datei", "")

    def load() -> list[ChangeView]:
        with st.sm() as session:
            q = select(KBChange).order_by(KBChange.id.desc()).limit(200)
            if wanted:
                q = q.where(KBChange.file == wanted)
            return [_view(c, st.tz) for c in session.scalars(q)]

    changes = await blocking(load)
    return render(request, "history/list.html", title="Änderungen", active="history", notices=flash(request),
                  changes=changes)


@staff_only()
async def history_detail(request: web.Request) -> web.StreamResponse:
    st = state(request)
    change_id = int(request.match_info["id"])

    def load():
        with st.sm() as session:
            c = session.get(KBChange, change_id)
            if c is None:
                return None
            group = [_view(g, st.tz) for g in kbedit.change_group(session, c)]
            return _view(c, st.tz), kbedit.diff(c.old_content, c.new_content, c.file), group

    loaded = await blocking(load)
    if loaded is None:
        raise web.HTTPNotFound(text="Diese Änderung gibt es nicht.")
    view, diff_text, group = loaded
    lines = []
    for line in diff_text.splitlines():
        cls = "add" if line.startswith("+") and not line.startswith("+++") else \
            "del" if line.startswith("-") and not line.startswith("---") else "ctx"
        lines.append((cls, line))
    return render(request, "history/detail.html", title=f"Änderung #{change_id}", active="history",
                  notices=flash(request), c=view, diff=lines, group=group)


@staff_only()
async def history_revert(request: web.Request) -> web.StreamResponse:
    st = state(request)
    change_id = int(request.match_info["id"])
    together = str(form_of(request).get("group") or "") == "1"
    revert = kbedit.revert_group if together else kbedit.revert
    result = await blocking(revert, st.sm, st.settings.kb_dir, change_id, ctx_of(request).username,
                            st.settings.effective_database_url)
    if result.ok:
        return redirect(f"/staff/history/{result.change_id or change_id}?m={'reverted' if result.change_id else 'unchanged'}")
    details = "; ".join(str(p) for p in result.problems[:5])
    text = result.message + (f" {details}" if details else "")
    if not together:
        text += " Gehört die Änderung zu mehreren Dateien, machen Sie bitte alle zusammen rückgängig."
    return render(request, "history/detail_error.html", 409, title="Rückgängig nicht möglich", active="history",
                  notices=[("error", text)], change_id=change_id)
