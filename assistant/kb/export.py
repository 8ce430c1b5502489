"""Exports: plain JSON of the whole knowledge base, schema.org JSON-LD for offices."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from assistant.kb.hours import _nth_weekday_matches, _parse_range, closure_reason
from assistant.kb.loader import KnowledgeBase
from assistant.kb.schema import WEEKDAYS

_SCHEMA_DAYS = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def export_json(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "county": kb.county.model_dump(mode="json", exclude_none=True),
        "municipalities": {k: v.model_dump(mode="json", exclude_none=True) for k, v in kb.municipalities.items()},
        "services": {k: v.model_dump(mode="json", exclude_none=True) for k, v in kb.services.items()},
        "life_events": {k: v.model_dump(mode="json", exclude_none=True) for k, v in kb.life_events.items()},
    }


MONTHLY_HORIZON_DAYS = 92


def export_jsonld(kb: KnowledgeBase, today: Optional[dt.date] = None) -> dict[str, Any]:
    """schema.org GovernmentOffice nodes; monthly visits (Bürgermobil) become dated entries for
    the next three months."""
    today = today or dt.date.today()
    graph = []
    for oid, office in kb.offices.items():
        specs = []
        for day, ranges in office.hours.weekly.items():
            for r in ranges:
                a, b = _parse_range(r)
                specs.append({"@type": "OpeningHoursSpecification", "dayOfWeek": f"https://schema.org/{_SCHEMA_DAYS[day]}",
                              "opens": a.strftime("%H:%M"), "closes": b.strftime("%H:%M")})
        for c in office.hours.closures:
            specs.append({"@type": "OpeningHoursSpecification", "validFrom": c.date.isoformat(),
                          "validThrough": (c.until or c.date).isoformat(), "opens": "00:00", "closes": "00:00"})
        for offset in range(MONTHLY_HORIZON_DAYS) if office.hours.monthly else ():
            day = today + dt.timedelta(days=offset)
            for rule in office.hours.monthly:
                if _nth_weekday_matches(rule, day) and not closure_reason(office.hours, day, kb.county.state):
                    for r in rule.hours:
                        a, b = _parse_range(r)
                        specs.append({"@type": "OpeningHoursSpecification", "validFrom": day.isoformat(),
                                      "validThrough": day.isoformat(), "opens": a.strftime("%H:%M"),
                                      "closes": b.strftime("%H:%M"), **({"description": rule.place} if rule.place else {})})
        for s in office.hours.special:
            for r in s.hours:
                a, b = _parse_range(r)
                specs.append({"@type": "OpeningHoursSpecification", "validFrom": s.date.isoformat(),
                              "validThrough": s.date.isoformat(), "opens": a.strftime("%H:%M"), "closes": b.strftime("%H:%M")})
        node: dict[str, Any] = {
            "@type": "GovernmentOffice",
            "@id": f"#office-{oid}",
            "name": office.name,
            "telephone": office.phone,
            "address": {"@type": "PostalAddress", "streetAddress": office.address.street,
                        "postalCode": office.address.postcode, "addressLocality": office.address.city,
                        "addressCountry": "DE"},
            "openingHoursSpecification": specs,
            "isAccessibleForFree": True,
        }
        if office.email:
            node["email"] = office.email
        if office.geo:
            node["geo"] = {"@type": "GeoCoordinates", "latitude": office.geo.lat, "longitude": office.geo.lon}
        graph.append(node)
    return {"@context": "https://schema.org", "@graph": graph}
