"""Local data: the raw YAML editor of a municipality file (validated before saving)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from assistant.curation import kbedit
from assistant.curation.pages import (
    csrf_field,
    h,
    layout,
    table,
)
from assistant.curation.staff.common import (
    blocking,
    ctx_of,
    current_kb,
    flash,
    form_of,
    html,
    redirect,
    staff_only,
    state,
)

# ------------------------------------------------------------------ local data

@staff_only()
async def local_list(request: web.Request) -> web.StreamResponse:
    st = state(request)
    files = kbedit.municipality_files(st.settings.kb_dir)
    kb = await blocking(current_kb, st.settings.kb_dir)
    rows = []
    for mid, path in files.items():
        mun = kb.municipalities.get(mid) if kb else None
        name = mun.name if mun else mid
        n_answers = str(len(mun.local_answers)) if mun else "?"
        n_services = str(len(mun.services)) if mun else "?"
        rows.append([f'<a href="/staff/local/{h(mid)}">{h(name)}</a>', h(n_answers), h(n_services),
                     f"<code>{h(kbedit.rel_name(st.settings.kb_dir, path))}</code>"])
    warn = [] if kb is not None else [("error", "Die Wissensbasis enthält gerade Fehler. Bitte korrigieren Sie sie.")]
    body = ('<p class="lead">Hier pflegen Sie die Daten der Gemeinden: Antworten auf Fragen zum Ort (<code>local_answers</code>) '
            'und was in der Gemeinde anders ist als bundesweit (<code>services</code>). Jede Änderung wird vor dem '
            'Speichern geprüft und im Verlauf festgehalten.</p>'
            + table(["Gemeinde", "Ortsinfos", "Abweichungen bei Leistungen", "Datei"], rows, "Gemeinden"))
    return html(layout("Ortsinfos", body, ctx_of(request), "local", flash(request) + warn))


HELP_LOCAL = """<details class="help"><summary>So ist eine Ortsinfo aufgebaut</summary><pre>local_answers:
  - id: dorffest_kleinwalde          # nur Kleinbuchstaben, Ziffern und _
    questions:                       # mindestens 3 Beispielfragen
      - Wann ist das Dorffest?
      - Was gibt es beim Dorffest?
      - Kann ich beim Dorffest helfen?
    answer: >-
      Das Dorffest ist am Samstag, 22. August, ab 14 Uhr auf der Festwiese.</pre>
<p>Achten Sie auf die Einrückung mit Leerzeichen (keine Tabulatoren) und auf das Leerzeichen nach dem Doppelpunkt.</p></details>"""


def _problems_html(problems: list, rel_path: str) -> str:
    own = [p for p in problems if p.file == rel_path]
    other = [p for p in problems if p.file != rel_path]

    def item(p: Any, with_file: bool) -> str:
        where = f"Zeile {p.line}" if p.line else "Datei"
        fld = f" ({h(p.field)})" if p.field else ""
        if with_file:
            return f"<li><strong>{h(p.file)}, {h(where)}</strong>{fld}: {h(p.message)}</li>"
        label = f'<a href="#content" data-line="{int(p.line)}">{h(where)}</a>' if p.line else h(where)
        return f"<li><strong>{label}</strong>{fld}: {h(p.message)}</li>"

    out = '<div class="errors" role="alert"><h2>Nicht gespeichert – bitte korrigieren Sie:</h2>'
    if own:
        out += "<ul>" + "".join(item(p, False) for p in own) + "</ul>"
    if other:
        if own:
            out += (f"<details><summary>Dazu {len(other)} Meldungen in anderen Dateien (meist Folgefehler, "
                    "die mit der Korrektur oben verschwinden)</summary><ul>"
                    + "".join(item(p, True) for p in other) + "</ul></details>")
        else:
            out += "<ul>" + "".join(item(p, True) for p in other) + "</ul>"
    return out + "</div>"


def _local_edit_html(request: web.Request, mid: str, rel_path: str, content: str, base_digest: str,
                     notices: list[tuple[str, str]], problems: list | None = None) -> str:
    errors = _problems_html(problems, rel_path) if problems else ""
    body = (f'<p><a href="/staff/local">← Alle Gemeinden</a> · <a href="/staff/history?datei={quote(rel_path)}">'
            'Änderungen dieser Datei</a></p>'
            f'{errors}{HELP_LOCAL}'
            f'<form method="post" action="/staff/local/{h(mid)}" class="editor">{csrf_field(ctx_of(request))}'
            f'<input type="hidden" name="base" value="{h(base_digest)}">'
            f'<label for="content">Inhalt der Datei <code>{h(rel_path)}</code></label>'
            f'<textarea id="content" name="content" rows="36" spellcheck="false" autocapitalize="off" '
            f'autocomplete="off" wrap="off">{h(content)}</textarea>'
            '<button type="submit">Prüfen und speichern</button></form>')
    m = re.search(r"^name:\s*(.+?)\s*$", content, flags=re.MULTILINE)
    name = m.group(1).strip("'\"") if m else mid
    return layout(f"Ortsinfos: {name}", body, ctx_of(request), "local", notices)


def _municipality_path(request: web.Request) -> tuple[str, Path, str]:
    st = state(request)
    mid = request.match_info["mid"]
    files = kbedit.municipality_files(st.settings.kb_dir)
    if mid not in files:
        raise web.HTTPNotFound(text="Diese Gemeinde gibt es nicht.")
    return mid, files[mid], kbedit.rel_name(st.settings.kb_dir, files[mid])


@staff_only()
async def local_edit(request: web.Request) -> web.StreamResponse:
    mid, path, rel_path = _municipality_path(request)
    content = path.read_text(encoding="utf-8")
    return html(_local_edit_html(request, mid, rel_path, content, kbedit.digest(content), flash(request)))


@staff_only()
async def local_save(request: web.Request) -> web.StreamResponse:
    st = state(request)
    mid, path, rel_path = _municipality_path(request)
    form = form_of(request)
    content = str(form.get("content") or "")
    base = str(form.get("base") or "")
    result = await blocking(kbedit.save, st.sm, st.settings.kb_dir, rel_path, content, ctx_of(request).username,
                            base or None, st.settings.effective_database_url)
    if result.ok:
        return redirect(f"/staff/local/{mid}?m={'saved' if result.change_id else 'unchanged'}")
    return html(_local_edit_html(request, mid, rel_path, kbedit.normalize_content(content), base,
                                 [("error", result.message)], result.problems), 422 if result.problems else 409)


