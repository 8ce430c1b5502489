"""Exports: plain JSON and schema.org JSON-LD (GovernmentOffice with openingHoursSpecification)."""
from __future__ import annotations

import json


from assistant.kb.export import export_json, export_jsonld


def test_jsonld_nodes_for_every_office(kb):
    data = export_jsonld(kb)
    json.dumps(data)  # serialisable
    nodes = {n["@id"]: n for n in data["@graph"]}
    assert set(nodes) == {f"#office-{oid}" for oid in kb.offices}
    bauamt = nodes["#office-lra_bauamt"]
    assert bauamt["@type"] == "GovernmentOffice"
    tuesday = [s for s in bauamt["openingHoursSpecification"] if s.get("dayOfWeek") == "https://schema.org/Tuesday"]
    assert [(s["opens"], s["closes"]) for s in tuesday] == [("08:00", "12:00"), ("13:00", "18:00")]
    closed = [s for s in bauamt["openingHoursSpecification"] if s.get("validFrom") == "2026-12-24"]
    assert closed and (closed[0]["opens"], closed[0]["closes"]) == ("00:00", "00:00")
    mobil = nodes["#office-buergermobil"]
    assert "geo" not in mobil  # no coordinates in the data
    special = [s for s in mobil["openingHoursSpecification"] if s.get("validFrom") == "2026-05-26"]
    assert special and special[0]["opens"] == "09:00"


def test_json_export_drops_empty_values(kb):
    data = export_json(kb)
    json.dumps(data)
    assert set(data) == {"county", "municipalities", "services", "life_events"}
    assert "leika" not in data["services"]["personalausweis"] or data["services"]["personalausweis"]["leika"]


def test_export_jsonld_includes_buergermobil_visits(kb):
    from assistant.kb.export import export_jsonld

    node = next(n for n in export_jsonld(kb)["@graph"] if n["@id"] == "#office-buergermobil")
    opening = [s for s in node["openingHoursSpecification"] if s["opens"] != "00:00"]
    # more than the single special date 2026-05-26: the monthly visits must be expressed somehow
    assert len(opening) > 1
