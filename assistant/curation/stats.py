"""Figures for the staff overview, and simple server-rendered SVG bar charts (no JavaScript)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from assistant.curation.inbox import REASONS, flag, load_turns, mark_feedback


@dataclass
class DayFigures:
    day: dt.date
    questions: int = 0
    answered: int = 0

    @property
    def share(self) -> Optional[float]:
        return self.answered / self.questions if self.questions else None


@dataclass
class Overview:
    days: list[DayFigures]
    services: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    conversations: int = 0

    @property
    def questions(self) -> int:
        return sum(d.questions for d in self.days)

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.days)

    @property
    def share(self) -> Optional[float]:
        return self.answered / self.questions if self.questions else None


def overview(sm: sessionmaker, tracker_url: str, tz: ZoneInfo, days: int = 14,
             now: Optional[dt.datetime] = None) -> Overview:
    """Questions per day, share answered (no fallback), services asked and failure reasons."""
    now = now or dt.datetime.now(dt.timezone.utc)
    today = now.astimezone(tz).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    conversations = load_turns(tracker_url, since)
    mark_feedback(sm, conversations, since)
    per_day = {first + dt.timedelta(days=i): DayFigures(first + dt.timedelta(days=i)) for i in range(days)}
    result = Overview(days=list(per_day.values()), conversations=len(conversations))
    for turns in conversations.values():
        for turn in turns:
            turn.reasons |= flag(turn)
            result.reasons.update(turn.reasons)
            for ent in turn.entities:
                if ent.get("entity") == "service" and ent.get("value"):
                    result.services[str(ent["value"])] += 1
            if turn.is_payload:
                continue
            day = per_day.get(turn.when.astimezone(tz).date())
            if day is None:
                continue
            day.questions += 1
            if "fallback" not in turn.reasons:
                day.answered += 1
    return result


@dataclass
class CallbackFigures:
    open: int
    done: int
    open_rows: list


def callbacks(sm: sessionmaker, limit: int = 50) -> CallbackFigures:
    from assistant.booking.models import CallbackRequest

    with sm() as session:
        n_open = session.scalar(select(func.count()).select_from(CallbackRequest)
                                .where(CallbackRequest.done_at.is_(None))) or 0
        n_done = session.scalar(select(func.count()).select_from(CallbackRequest)
                                .where(CallbackRequest.done_at.is_not(None))) or 0
        rows = list(session.scalars(select(CallbackRequest).where(CallbackRequest.done_at.is_(None))
                                    .order_by(CallbackRequest.created_at).limit(limit)))
    return CallbackFigures(n_open, n_done, rows)


def appointments_today(sm: sessionmaker, kb, tz: ZoneInfo, day: Optional[dt.date] = None) -> list[tuple[str, str, list]]:
    """(office id, office name, appointments) for every office with online booking."""
    from assistant.booking.service import day_list

    day = day or dt.datetime.now(tz).date()
    out = []
    with sm() as session:
        for oid, office in sorted(kb.offices.items(), key=lambda kv: kv[1].name):
            if office.booking is None or not office.booking.enabled:
                continue
            out.append((oid, office.name, day_list(session, oid, day, tz)))
    return out


# ------------------------------------------------------------------ charts
# Geometry only; the SVG is drawn by templates/charts.html (no markup in Python).

@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    label_width: int
    row_height: int
    bars: list[Bar]


def bar_chart(rows: Sequence[tuple[str, float]], title: str, value_format: str = "{:.0f}",
              max_value: Optional[float] = None, width: int = 680) -> BarChart:
    """A horizontal bar chart: one bar per (label, value) row, scaled to the largest value."""
    label_w, value_w, row_h = 260, 60, 26
    bar_w = width - label_w - value_w
    top = max([v for _, v in rows] + [0.0]) if max_value is None else max_value
    height = max(row_h, row_h * len(rows)) + 6
    bars = []
    for i, (label, value) in enumerate(rows):
        w = 0 if not top else max(1.0, bar_w * value / top) if value else 0
        short = label if len(label) <= 34 else label[:33] + "…"
        bars.append(Bar(short, value_format.format(value), 3 + i * row_h, float(w)))
    return BarChart(title, width, height, label_w, row_h, bars)


@dataclass(frozen=True)
class DayBar:
    title: str
    axis_label: str
    x: float
    all_height: float
    answered_height: float


@dataclass(frozen=True)
class DayChart:
    title: str
    width: int
    height: int
    base: float
    bar_width: float
    days: list[DayBar]


def day_chart(days: Sequence[DayFigures], title: str, width: int = 640, height: int = 180) -> DayChart:
    """Vertical bars per day: all questions (light) and answered ones (dark)."""
    n = max(1, len(days))
    top = max([d.questions for d in days] + [1])
    plot_h = height - 40
    slot = (width - 20) / n
    bar = max(4.0, slot * 0.7)
    out = []
    for i, d in enumerate(days):
        out.append(DayBar(f"{d.day:%d.%m.}: {d.questions} Fragen, {d.answered} beantwortet",
                          f"{d.day:%d.%m.}" if n <= 16 or i % 2 == 0 else "",
                          10 + i * slot + (slot - bar) / 2, plot_h * d.questions / top, plot_h * d.answered / top))
    return DayChart(title, width, height, 10 + plot_h, bar, out)


def reason_rows(reasons: Counter[str]) -> list[tuple[str, float]]:
    return [(REASONS.get(k, k), float(v)) for k, v in reasons.most_common() if k in REASONS]
