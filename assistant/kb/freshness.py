"""Warnings about facts that may be out of date: sources not checked for more than a year (or
never), and fixed deadline dates that already lie in the past. Used by ``assistant kb check``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator, Optional

from assistant.kb.loader import KnowledgeBase
from assistant.kb.schema import Service, Source

MAX_AGE_DAYS = 365


@dataclass(frozen=True)
class Warning:
    """One hint for the editor (German), with the file it concerns."""

    file: str
    kind: str  # "unchecked" | "stale_source" | "past_deadline"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def _sources(svc: Service) -> Iterator[tuple[str, Source]]:
    for i, src in enumerate(svc.sources):
        yield f"sources.{i}", src
    for key, sit in svc.situations.items():
        if sit.source:
            yield f"situations.{key}.source", sit.source
    for i, doc in enumerate(svc.documents):
        if doc.source:
            yield f"documents.{i}.source", doc.source
    if svc.deadline and svc.deadline.source:
        yield "deadline.source", svc.deadline.source


def check(kb: KnowledgeBase, today: Optional[dt.date] = None) -> list[Warning]:
    """All freshness warnings of the national catalogue, sorted by file."""
    today = today or dt.date.today()
    out: list[Warning] = []
    for slug, svc in sorted(kb.services.items()):
        file = f"catalogue/{slug}.yml"
        for where, src in _sources(svc):
            if src.checked is None:
                out.append(Warning(file, "unchecked", f"[{where}] Quelle „{src.title}“ hat kein Prüfdatum (checked:)."))
            elif (today - src.checked).days > MAX_AGE_DAYS:
                out.append(Warning(file, "stale_source",
                                   f"[{where}] Quelle „{src.title}“ wurde zuletzt am {src.checked:%d.%m.%Y} geprüft, "
                                   "vor mehr als einem Jahr. Bitte prüfen und das Datum erneuern."))
        if svc.deadline:
            for i, due in enumerate(svc.deadline.dates):
                if due.date < today:
                    out.append(Warning(file, "past_deadline",
                                       f"[deadline.dates.{i}] Die Frist {due.date:%d.%m.%Y} ({due.applies_to}) liegt in "
                                       "der Vergangenheit. Bitte den Text anpassen und den Stichtag entfernen."))
    return out
