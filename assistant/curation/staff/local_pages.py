"""Local data: the raw YAML editor of a municipality file (validated before saving);
templates/local/list.html and templates/local/edit.html."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from assistant.curation import kbedit
from assistant.curation.staff.common import (
    StaffState,
    blocking,
    ctx_of,
    current_kb,
    flash,
    form_of,
    redirect,
    staff_only,
    state,
)
from assistant.curation.staff.render import render

# ------------------------------------------------------------------ local data


@dataclass(frozen=True)
class MunicipalityRow:
    id: str
    name: str
    answers: str
    services: str
    file: str


def _load_list(st: StaffState) -> tuple[list[MunicipalityRow], bool]:
    files = kbedit.municipality_files(st.settings.kb_dir)
    kb = current_kb(st.settings.kb_dir)
    rows = []
    for mid, path in files.items():
        mun = kb.municipalities.get(mid) if kb else None
        rows.append(MunicipalityRow(mid, mun.name if mun else mid, str(len(mun.local_answers)) if mun else "?",
                                    str(len(mun.services)) if mun else "?",
                                    kbedit.rel_name(st.settings.kb_dir, path)))
    return rows, kb is not None


@staff_only()
async def local_list(request: web.Request) -> web.StreamResponse:
    rows, kb_ok = await blocking(_load_list, state(request))
    warn = [] if kb_ok else [("error", "Die Wissensbasis enthält gerade Fehler. Bitte korrigieren Sie sie.")]
    return render(request, "local/list.html", title="Ortsinfos", active="local", notices=flash(request) + warn,
                  municipalities=rows)


def _render_edit(request: web.Request, mid: str, rel_path: str, content: str, base_digest: str,
                 notices: list[tuple[str, str]], problems: list | None = None, status: int = 200) -> web.Response:
    problems = problems or []
    m = re.search(r"^name:\s*(.+?)\s*$", content, flags=re.MULTILINE)
    name = m.group(1).strip("'\"") if m else mid
    return render(request, "local/edit.html", status, title=f"Ortsinfos: {name}", active="local", notices=notices,
                  mid=mid, rel_path=rel_path, content=content, base_digest=base_digest,
                  own_problems=[p for p in problems if p.file == rel_path],
                  other_problems=[p for p in problems if p.file != rel_path])


def _municipality_path(st: StaffState, mid: str) -> tuple[Path, str]:
    files = kbedit.municipality_files(st.settings.kb_dir)
    if mid not in files:
        raise web.HTTPNotFound(text="Diese Gemeinde gibt es nicht.")
    return files[mid], kbedit.rel_name(st.settings.kb_dir, files[mid])


@staff_only()
async def local_edit(request: web.Request) -> web.StreamResponse:
    st = state(request)
    mid = request.match_info["mid"]
    path, rel_path = await blocking(_municipality_path, st, mid)
    content = await blocking(path.read_text, "utf-8")
    return _render_edit(request, mid, rel_path, content, kbedit.digest(content), flash(request))


@staff_only()
async def local_save(request: web.Request) -> web.StreamResponse:
    st = state(request)
    mid = request.match_info["mid"]
    _path, rel_path = await blocking(_municipality_path, st, mid)
    form = form_of(request)
    content = str(form.get("content") or "")
    base = str(form.get("base") or "")
    result = await blocking(kbedit.save, st.sm, st.settings.kb_dir, rel_path, content, ctx_of(request).username,
                            base or None, st.settings.effective_database_url)
    if result.ok:
        return redirect(f"/staff/local/{mid}?m={'saved' if result.change_id else 'unchanged'}")
    return _render_edit(request, mid, rel_path, kbedit.normalize_content(content), base,
                        [("error", result.message)], result.problems, 422 if result.problems else 409)
