"""What the assistant says first in every answer about an office: a closure today or soon, and the
current notices of the office and of its municipality (entered by staff, with an end date)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from assistant import formatting
from assistant.answers.context import Context
from assistant.kb.schema import Closure, Office

CLOSURE_LOOKAHEAD_DAYS = 14


def _closure_line(c: Closure, today: dt.date) -> str:
    end = c.until or c.date
    if c.date <= today <= end:
        if end == today:
            return f"Achtung: heute geschlossen ({c.reason})."
        return f"Achtung: geschlossen bis einschließlich {formatting.date_medium(end)} ({c.reason})."
    if end != c.date:
        return (f"Achtung: geschlossen vom {formatting.date_medium(c.date)} bis {formatting.date_medium(end)} "
                f"({c.reason}).")
    return f"Achtung: am {formatting.date_medium(c.date)} geschlossen ({c.reason})."


def next_closure(office: Office, today: dt.date, days: int = CLOSURE_LOOKAHEAD_DAYS) -> Optional[Closure]:
    upcoming = [c for c in office.hours.closures
                if (c.until or c.date) >= today and c.date <= today + dt.timedelta(days=days)]
    return min(upcoming, key=lambda c: c.date) if upcoming else None


def office_alerts(ctx: Context, office: Office) -> list[str]:
    """Lines to put first: the next closure within two weeks, then active notices."""
    today = ctx.now.date()
    lines: list[str] = []
    closure = next_closure(office, today)
    if closure is not None:
        lines.append(_closure_line(closure, today))
    lines += [f"Hinweis: {n.text}" for n in office.notices if n.active_on(today)]
    owner = ctx.kb.office_owner.get(office.id)
    for mid in dict.fromkeys([m for m in (owner, ctx.municipality) if m]):
        mun = ctx.kb.municipalities.get(mid)
        if mun is not None and (mid == owner or mid in office.serves):
            lines += [f"Hinweis der Gemeinde {mun.name}: {n.text}" for n in mun.notices if n.active_on(today)]
    return list(dict.fromkeys(lines))
