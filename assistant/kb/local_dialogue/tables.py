"""Local data tables (``kb/municipalities/<id>/dialogue/data/*.yml``): a slot value -> answer fields.

A table names the slot it looks up, the responses for found / not found / no future date, and
rows. Each row matches one or more spellings and carries fields for the response text
(``values``) and optionally dates, of which the next one from today is offered as ``{next_date}``.
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Optional

from pydantic import Field, field_validator

from assistant.formatting import date_long
from assistant.kb.loader import normalize
from assistant.kb.schema import Strict

NAME_RE = r"^[a-z][a-z0-9_]*$"
BUILTIN_FIELDS = ("value", "input", "options", "next_date", "dates")
FUZZY_CUTOFF = 0.84


class TableRow(Strict):
    """One row: the spellings it matches and the fields for the answer."""

    match: list[str] = Field(min_length=1, description="Schreibweisen, z. B. [Lindenstraße, Lindenstr.]")
    values: dict[str, str] = Field(default_factory=dict, description="Felder für den Antworttext")
    dates: list[dt.date] = Field(default_factory=list, description="Termine; der nächste wird {next_date}")

    @field_validator("match")
    @classmethod
    def _not_blank(cls, v: list[str]) -> list[str]:
        if any(not normalize(m) for m in v):
            raise ValueError("leere Schreibweise in 'match'")
        return v

    @field_validator("values")
    @classmethod
    def _field_names(cls, v: dict[str, str]) -> dict[str, str]:
        import re

        for key in v:
            if not re.match(NAME_RE, key):
                raise ValueError(f"Feldname '{key}' ist ungültig (nur a-z, 0-9 und _)")
            if key in BUILTIN_FIELDS:
                raise ValueError(f"Feldname '{key}' ist reserviert (setzt der Assistent selbst)")
        return v


class LookupTable(Strict):
    """A table read by ``action_local_lookup`` after the form has asked for ``slot``."""

    slot: str = Field(pattern=NAME_RE)
    answer: str = Field(pattern=r"^utter_[a-z0-9_]+$", description="Antwort, wenn eine Zeile passt")
    not_found: str = Field(pattern=r"^utter_[a-z0-9_]+$", description="Antwort, wenn keine Zeile passt")
    no_date: Optional[str] = Field(None, pattern=r"^utter_[a-z0-9_]+$",
                                   description="Antwort, wenn eine Zeile keinen künftigen Termin hat")
    rows: list[TableRow] = Field(min_length=1)


@dataclass(frozen=True)
class LookupResult:
    """What the lookup action sends: a response key and the fields for its text."""

    response: str
    fields: dict[str, str]
    found: bool


def find_row(table: LookupTable, text: str) -> Optional[TableRow]:
    """The row whose spelling matches ``text``: exactly, as a word sequence inside it, or nearly."""
    norm = normalize(text)
    if not norm:
        return None
    spellings = [(normalize(m), row) for row in table.rows for m in row.match]
    for key, row in spellings:
        if key == norm:
            return row
    padded = f" {norm} "
    inside = [(key, row) for key, row in spellings if f" {key} " in padded]
    if inside:
        return max(inside, key=lambda kr: len(kr[0]))[1]
    keys = [k for k, _ in spellings]
    close = difflib.get_close_matches(norm, keys, n=1, cutoff=FUZZY_CUTOFF)
    if not close:  # "in der lindenstrase": compare word windows of the spelling's length
        words = norm.split()
        for key in sorted(keys, key=len, reverse=True):
            n = len(key.split())
            windows = [" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))]
            if difflib.get_close_matches(key, windows, n=1, cutoff=FUZZY_CUTOFF):
                close = [key]
                break
    return dict(spellings)[close[0]] if close else None


def lookup(table: LookupTable, text: str, today: dt.date) -> LookupResult:
    """Answer fields for the resident's ``text`` (a street, an Ortsteil ...)."""
    options = ", ".join(row.match[0] for row in table.rows)
    shown_input = " ".join(text.split())[:80]
    row = find_row(table, text)
    if row is None:
        return LookupResult(table.not_found, {"input": shown_input, "options": options}, False)
    fields = {**row.values, "value": row.match[0], "input": shown_input, "options": options}
    if row.dates:
        upcoming = sorted(d for d in row.dates if d >= today)
        if not upcoming:
            return LookupResult(table.no_date or table.not_found, fields, True)
        fields["next_date"] = date_long(upcoming[0])
        fields["dates"] = ", ".join(date_long(d) for d in upcoming[:3])
    return LookupResult(table.answer, fields, True)
