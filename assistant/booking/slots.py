"""Which appointment slots an office offers (from its data), before looking at bookings."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterator
from zoneinfo import ZoneInfo

from assistant.kb import hours as hours_mod
from assistant.kb.schema import Office


@dataclass(frozen=True)
class Slot:
    office_id: str
    start: dt.datetime  # aware, local zone
    end: dt.datetime
    place: str | None = None

    @property
    def key(self) -> str:
        """Stable identifier for buttons: office|UTC ISO minute."""
        return f"{self.office_id}|{self.start.astimezone(dt.timezone.utc).strftime('%Y%m%dT%H%MZ')}"


def grid_minutes(office: Office) -> int:
    """Grid unit: the greatest common divisor of all slot lengths (claims are per cell)."""
    assert office.booking is not None
    lengths = [office.booking.default_slot_minutes, *office.booking.slot_minutes.values()]
    unit = lengths[0]
    for n in lengths[1:]:
        unit = math.gcd(unit, n)
    return max(unit, 5)


def slot_minutes(office: Office, service: str) -> int:
    assert office.booking is not None
    return office.booking.slot_minutes.get(service, office.booking.default_slot_minutes)


def cells(office: Office, start: dt.datetime, minutes: int) -> list[dt.datetime]:
    """UTC starts of the grid cells a booking of ``minutes`` from ``start`` occupies."""
    unit = grid_minutes(office)
    n = math.ceil(minutes / unit)
    base = start.astimezone(dt.timezone.utc)
    return [base + dt.timedelta(minutes=unit * i) for i in range(n)]


def candidate_slots(office: Office, service: str, since: dt.datetime, tz: ZoneInfo, state: str,
                    days: int = 60, min_lead: dt.timedelta = dt.timedelta(hours=2)) -> Iterator[Slot]:
    """Slot starts on the grid inside booking hours (or opening hours), closures and holidays removed."""
    if office.booking is None or not office.booking.enabled:
        return
    hours = office.booking.hours or office.hours
    length = dt.timedelta(minutes=slot_minutes(office, service))
    unit = dt.timedelta(minutes=grid_minutes(office))
    earliest = since + min_lead
    for interval in hours_mod.iter_intervals(hours, since, tz, state, days=days):
        t = interval.start
        while t + length <= interval.end:
            if t >= earliest:
                yield Slot(office.id, t, t + length, interval.place)
            t += unit
