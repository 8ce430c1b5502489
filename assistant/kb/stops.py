"""Stops of mobile and visiting services (Bürgermobil, Sprechtag) as offices of their own.

A stop in the YAML (``offices[].stops``) has an address, coordinates, the municipality and
Ortsteile it serves and its own schedule. The loader turns every stop into an :class:`Office`
(id = stop id) that inherits phone, types, booking rules and aliases from its service, so office
lookup, directions, "next visit", slots, booking, confirmation and calendar files all name the
stop. The service itself keeps a union of all stop schedules (each interval labelled with its
stop) for questions without a place, and takes no bookings (they belong to one stop).
"""
from __future__ import annotations

from typing import Optional

from assistant.kb.schema import Hours, MonthlyRule, Office, SpecialHours, Stop


def stop_hours(parent: Office, stop: Stop, label: Optional[str] = None) -> Hours:
    """The stop's schedule plus the closures of its service (vehicle breaks apply everywhere)."""
    monthly = [MonthlyRule(weekday=r.weekday, nth=list(r.nth), hours=list(r.hours), place=r.place or label)
               for r in stop.hours.monthly]
    special = [SpecialHours(date=s.date, hours=list(s.hours), place=s.place or label) for s in stop.hours.special]
    return Hours(
        weekly={k: list(v) for k, v in stop.hours.weekly.items()},
        monthly=monthly,
        special=special,
        closures=[*parent.hours.closures, *stop.hours.closures],
        closed_on_public_holidays=parent.hours.closed_on_public_holidays and stop.hours.closed_on_public_holidays,
        note=stop.hours.note,
    )


def stop_label(stop: Stop) -> str:
    """'Feuerwehrhaus Lindenau, Am Spritzenhaus 1, Auental': a stop in one phrase."""
    return f"{stop.name}, {stop.address.street}, {stop.address.city}"


def stop_office(parent: Office, stop: Stop) -> Office:
    """The stop as an office of its own."""
    return parent.model_copy(update={
        "id": stop.id,
        "name": f"{parent.name} – {stop.name}",
        "address": stop.address,
        "geo": stop.geo,
        "hours": stop_hours(parent, stop),
        "transport": list(stop.transport) or list(parent.transport),
        "accessibility": stop.accessibility or parent.accessibility,
        "serves": [stop.municipality],
        "aliases": list(dict.fromkeys([*parent.aliases, *stop.aliases])),
        "stops": [],
    })


def service_view(parent: Office) -> Office:
    """The service itself: all stops' visits (labelled with the stop), no bookings of its own."""
    weekly: dict = {k: list(v) for k, v in parent.hours.weekly.items()}
    monthly = list(parent.hours.monthly)
    special = list(parent.hours.special)
    for stop in parent.stops:
        h = stop_hours(parent, stop, label=stop_label(stop))
        monthly += h.monthly
        special += h.special
    hours = parent.hours.model_copy(update={"weekly": weekly, "monthly": monthly, "special": special})
    serves = list(dict.fromkeys([*parent.serves, *(s.municipality for s in parent.stops)]))
    return parent.model_copy(update={"hours": hours, "booking": None, "serves": serves})


def expand(offices: dict[str, Office], owner: dict[str, Optional[str]]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Add every stop as an office (in place); returns (service id -> stop ids, stop id -> service id)."""
    stops_of: dict[str, list[str]] = {}
    parent_of: dict[str, str] = {}
    for oid, office in list(offices.items()):
        if not office.stops:
            continue
        stops_of[oid] = []
        for stop in office.stops:
            offices[stop.id] = stop_office(office, stop)
            owner[stop.id] = owner.get(oid)
            stops_of[oid].append(stop.id)
            parent_of[stop.id] = oid
        offices[oid] = service_view(office)
    return stops_of, parent_of


def pick_stop(stops: list[Stop], municipality_id: Optional[str], place: Optional[str]) -> Optional[Stop]:
    """The stop for a resident of ``municipality_id`` (and, if named, the Ortsteil ``place``)."""
    from assistant.kb.loader import normalize

    if not municipality_id:
        return None
    here = [s for s in stops if s.municipality == municipality_id]
    if not here:
        return None
    if place:
        norm = normalize(place)
        for s in here:
            names = [*s.ortsteile, s.address.district or "", s.name]
            if any(n and normalize(n) == norm for n in names):
                return s
        for s in here:
            if any(n and normalize(n) in norm.split() for n in s.ortsteile):
                return s
    return next((s for s in here if not s.ortsteile), here[0])
