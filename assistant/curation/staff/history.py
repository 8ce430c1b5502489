"""History of local-data changes: list, diff, revert."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from assistant.curation import kbedit
from assistant.curation.models import KBChange
from assistant.curation.pages import (
    csrf_field,
    h,
    layout,
    local_time,
    table,
)
from assistant.curation.staff.common import (
    blocking,
    ctx_of,
    flash,
    html,
    redirect,
    staff_only,
    state,
)

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


