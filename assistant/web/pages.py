"""Server-rendered pages: the printable checklist. All text is HTML-escaped."""
from __future__ import annotations

from html import escape

from assistant.checklist.engine import Checklist



def checklist_page(checklist: Checklist, office_lines: list[str], demo: bool) -> str:
    def items(docs: list[tuple[str, str | None]]) -> str:
        return "".join(f'<li><span class="box" aria-hidden="true"></span><span>{escape(name)}'
                       + (f'<br><span class="muted">{escape(note)}</span>' if note else "") + "</span></li>"
                       for name, note in docs)

    parts = [f"<h1>Meine Unterlagen: {escape(checklist.service_name)}</h1>"]
    if demo:
        parts.append('<p class="demo">Demo-Daten eines fiktiven Landkreises. Bitte nicht für echte Behördengänge verwenden.</p>')
    if office_lines:
        parts.append("<p>" + "<br>".join(escape(x) for x in office_lines) + "</p>")
    parts.append("<h2>Bitte mitbringen</h2><ul>" + items([(d.name, d.note) for d in checklist.needed]) + "</ul>")
    if checklist.maybe:
        parts.append("<h2>Nur falls es auf Sie zutrifft</h2><ul>"
                     + items([(d.name, f"falls {cond}") for d, cond in checklist.maybe]) + "</ul>")
    if checklist.not_needed:
        parts.append("<h2>Nicht nötig</h2><p>" + escape(", ".join(d.name for d in checklist.not_needed)) + "</p>")
    parts.append('<button type="button" id="print">Drucken</button><script src="/static/print.js"></script>')
    return ("<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Unterlagen: {escape(checklist.service_name)}</title><link rel=\"stylesheet\" href=\"/static/print.css\"></head>"
            f"<body><main>{''.join(parts)}</main></body></html>")
