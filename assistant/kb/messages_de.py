"""German messages for validation errors: pydantic error types and PyYAML parser problems, in one
place (the loader, ``assistant kb check`` and the staff forms all use these)."""
from __future__ import annotations

import re
from typing import Any

_PYDANTIC: dict[str, str] = {
    "missing": "Pflichtfeld fehlt",
    "extra_forbidden": "unbekanntes Feld (Tippfehler?)",
    "list_type": "muss eine Liste sein (Zeilen mit '- ' oder [a, b])",
    "tuple_type": "muss eine Liste sein (Zeilen mit '- ' oder [a, b])",
    "set_type": "muss eine Liste sein (Zeilen mit '- ' oder [a, b])",
    "dict_type": "muss eine Zuordnung sein (Zeilen mit 'name: wert')",
    "model_type": "muss eine Zuordnung sein (Zeilen mit 'name: wert')",
    "model_attributes_type": "muss eine Zuordnung sein (Zeilen mit 'name: wert')",
    "string_type": "muss ein Text sein",
    "string_too_short": "ist zu kurz (mindestens {min_length} Zeichen)",
    "string_too_long": "ist zu lang (höchstens {max_length} Zeichen)",
    "too_short": "zu wenige Einträge (mindestens {min_length})",
    "too_long": "zu viele Einträge (höchstens {max_length})",
    "int_type": "muss eine ganze Zahl sein",
    "int_parsing": "muss eine ganze Zahl sein",
    "int_from_float": "muss eine ganze Zahl sein (ohne Komma)",
    "float_type": "muss eine Zahl sein (mit Punkt, z. B. 12.50)",
    "float_parsing": "muss eine Zahl sein (mit Punkt, z. B. 12.50)",
    "bool_type": "muss ja oder nein sein (true/false)",
    "bool_parsing": "muss ja oder nein sein (true/false)",
    "greater_than_equal": "muss mindestens {ge} sein",
    "greater_than": "muss größer als {gt} sein",
    "less_than_equal": "darf höchstens {le} sein",
    "less_than": "muss kleiner als {lt} sein",
    "date_type": "ungültiges Datum (Format JJJJ-MM-TT, z. B. 2026-12-24)",
    "date_parsing": "ungültiges Datum (Format JJJJ-MM-TT, z. B. 2026-12-24)",
    "date_from_datetime_parsing": "ungültiges Datum (Format JJJJ-MM-TT, z. B. 2026-12-24)",
    "date_from_datetime_inexact": "nur ein Datum ohne Uhrzeit angeben (JJJJ-MM-TT)",
    "datetime_parsing": "ungültiger Zeitpunkt (Format JJJJ-MM-TT HH:MM)",
    "literal_error": "ungültiger Wert; erlaubt: {expected}",
    "enum": "ungültiger Wert; erlaubt: {expected}",
    "string_pattern_mismatch": "ungültiges Format (erwartet: {pattern})",
    "url_parsing": "ungültiger Link",
    "url_scheme": "ungültiger Link (erwartet https://...)",
}

_YAML: tuple[tuple[str, str], ...] = (
    (r"did not find expected ',' or '\]'", "in einer Liste [ ... ] fehlt ein Komma oder die schließende Klammer ]"),
    (r"did not find expected ',' or '\}'", "in einer Zuordnung { ... } fehlt ein Komma oder die schließende Klammer }"),
    (r"did not find expected ','", "es fehlt ein Komma oder eine schließende Klammer"),
    (r"did not find expected key", "die Einrückung stimmt nicht (ein Feld steht zu weit links oder rechts)"),
    (r"did not find expected '-' indicator", "in einer Liste fehlt vor einem Eintrag das '- '"),
    # PyYAML says "... here", libyaml (CSafeLoader, used by the loader) "... in this context"
    (r"mapping values are not allowed", "ein ':' steht an falscher Stelle (Text mit ':' bitte in Anführungszeichen setzen)"),
    (r"block sequence entries are not allowed", "ein '- ' steht an falscher Stelle (die Einrückung stimmt nicht)"),
    (r"did not find expected node content", "nach einem '- ' oder ':' fehlt der Wert (oder ein Sonderzeichen steht am Anfang)"),
    (r"could not find expected ':'", "nach einem Feldnamen fehlt ':'"),
    (r"found character '\\t' that cannot start any token|found a tab character",
     "Tabulator gefunden; bitte nur Leerzeichen zum Einrücken benutzen"),
    (r"found unexpected end of stream", "die Datei endet mitten in einem Eintrag (fehlt ein Anführungszeichen?)"),
    (r"found unknown escape character", "ungültiges Zeichen nach '\\' in einem Text in Anführungszeichen"),
    (r"found undefined alias", "ein '*' am Anfang eines Textes; bitte den Text in Anführungszeichen setzen"),
    (r"expected <block end>, but found", "die Einrückung stimmt nicht"),
    (r"expected a comment or a line break", "nach einem Text in Anführungszeichen steht noch etwas in der Zeile"),
    (r"found duplicate anchor|found undefined tag|could not determine a constructor",
     "ungültiges Sonderzeichen (& ! *) am Anfang eines Wertes; bitte in Anführungszeichen setzen"),
)


def pydantic_error_de(err: dict[str, Any]) -> str:
    """A German message for one pydantic error dict (``ValidationError.errors()`` item)."""
    kind, msg = str(err.get("type", "")), str(err.get("msg", ""))
    if kind == "value_error" or kind == "assertion_error":
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _PYDANTIC.get(kind)
    if template is None:
        return f"ungültiger Wert ({msg})" if msg else "ungültiger Wert"
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return re.sub(r"\s*\([^)]*\{[^}]*\}[^)]*\)|\{[^}]*\}", "", template).strip()


def yaml_problem_de(problem: str) -> str:
    """A German explanation of a PyYAML/ruamel parser problem text."""
    for pattern, german in _YAML:
        if re.search(pattern, problem or ""):
            return german
    return "der Aufbau der Datei ist fehlerhaft"
