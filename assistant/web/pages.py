"""Server-rendered pages: the printable checklist. All text is HTML-escaped."""
from __future__ import annotations

from html import escape

from assistant.checklist.engine import Checklist

PRINT_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:20px;line-height:1.5;
max-width:40em;margin:1.5em auto;padding:0 1em;color:#111;background:#fff}
h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.2em 0 .4em}
ul{list-style:none;padding:0}li{margin:.5em 0;display:flex;gap:.6em;align-items:flex-start}
.box{display:inline-block;width:1.1em;height:1.1em;border:3px solid #111;flex:none;margin-top:.2em}
.muted{color:#444}.demo{border:2px dashed #b00;padding:.4em .6em;color:#700}
button{font-size:1em;padding:.5em 1em;margin:1em 0}
@media print{button{display:none}body{margin:0}}
"""


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
            f"<title>Unterlagen: {escape(checklist.service_name)}</title><style>{PRINT_CSS}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>")
