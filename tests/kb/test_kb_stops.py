"""Stops of mobile/visiting services: each stop is an office with its own address and schedule."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant.answers.context import Context
from assistant.kb import hours as H
from assistant.kb.loader import KBValidationError, load_kb
from assistant.kb.views import responsible_office

TZ = ZoneInfo("Europe/Berlin")


def test_stop_is_an_office_with_its_own_address_and_schedule(kb):
    stop = kb.offices["buergermobil_lindenau"]
    assert stop.address.street == "Am Spritzenhaus 1" and stop.address.district == "Lindenau"
    assert stop.geo is not None and stop.serves == ["auental"]
    assert [r.weekday for r in stop.hours.monthly] == ["mi"]
    assert stop.booking is not None and stop.phone == kb.offices["buergermobil"].phone
    assert kb.stop_parent["buergermobil_lindenau"] == "buergermobil"
    # the vehicle's summer break (service-wide closure) applies to the stop too
    assert H.closure_reason(stop.hours, dt.date(2026, 8, 5), "ST") == "Sommerpause (Wartung des Fahrzeugs)"


def test_service_itself_takes_no_bookings_but_lists_every_visit_with_its_stop(kb):
    mobil = kb.offices["buergermobil"]
    assert mobil.booking is None
    places = {r.place for r in mobil.hours.monthly}
    assert any("Feuerwehrhaus Lindenau" in p for p in places) and any("Eichenbrück" in p for p in places)


@pytest.mark.parametrize("municipality, expected", [
    ("auental", "buergermobil_lindenau"), ("eichenbrueck", "buergermobil_eichenbrueck"),
    ("musterstadt", "musterstadt_buergerbuero")])
def test_lookup_uses_the_stop_for_the_residents_place(kb, municipality, expected):
    assert responsible_office(kb, "reisepass", municipality).id == expected


def test_named_mobile_service_resolves_to_the_stop_of_the_place(kb):
    ctx = Context(kb=kb, now=dt.datetime(2026, 12, 4, 10, tzinfo=TZ), tz=TZ, office_id="buergermobil",
                  municipality="auental", place="Lindenau")
    assert ctx.office().id == "buergermobil_lindenau"
    nowhere = Context(kb=kb, now=dt.datetime(2026, 12, 4, 10, tzinfo=TZ), tz=TZ, office_id="buergermobil")
    assert nowhere.office().id == "buergermobil"


def _add_wiesengrund_stop(root):
    path = root / "county.yml"
    text = path.read_text(encoding="utf-8")
    anchor = "      - id: buergermobil_lindenau\n"
    extra = (
        "      - id: buergermobil_wiesengrund\n"
        "        name: Bushaltestelle Wiesengrund\n"
        "        address: {street: Dorfstraße 9, postcode: \"06996\", city: Auental, district: Wiesengrund}\n"
        "        municipality: auental\n"
        "        ortsteile: [Wiesengrund]\n"
        "        hours:\n"
        "          weekly: {fr: [\"10:00-11:00\"]}\n"
    )
    path.write_text(text.replace(anchor, extra + anchor, 1), encoding="utf-8")
    return path


def test_ortsteil_picks_its_own_stop(kb_copy):
    _add_wiesengrund_stop(kb_copy)
    kb = load_kb(kb_copy)
    assert responsible_office(kb, "reisepass", "auental", "Wiesengrund").id == "buergermobil_wiesengrund"
    # Lindenau (or no Ortsteil) falls back to the stop that serves the whole municipality
    assert responsible_office(kb, "reisepass", "auental", "Lindenau").id == "buergermobil_lindenau"
    assert responsible_office(kb, "reisepass", "auental").id == "buergermobil_lindenau"
    fri = H.next_opening(kb.offices["buergermobil_wiesengrund"].hours, dt.datetime(2026, 12, 7, tzinfo=TZ), TZ, "ST")
    assert fri.start.date() == dt.date(2026, 12, 11)


def test_unknown_ortsteil_or_municipality_of_a_stop_is_an_error(kb_copy):
    path = _add_wiesengrund_stop(kb_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("ortsteile: [Wiesengrund]", "ortsteile: [Wiesengrnd]"),
                    encoding="utf-8")
    with pytest.raises(KBValidationError) as exc:
        load_kb(kb_copy)
    assert any("Wiesengrnd" in p.message and "Ortsteil" in p.message and p.line for p in exc.value.problems)


def test_stops_survive_the_database_round_trip(kb, sqlite_url):
    from assistant.db import make_engine
    from assistant.kb.store import read_kb, save_kb

    engine = make_engine(sqlite_url)
    from assistant.db import create_all

    create_all(engine)
    save_kb(kb, engine)
    back = read_kb(engine)
    assert back.offices["buergermobil_lindenau"].address == kb.offices["buergermobil_lindenau"].address
    assert back.stops_of == kb.stops_of


def test_a_sprechtag_uses_the_same_stop_model(kb):
    from assistant.answers import offices
    from assistant.kb.views import resolve_office

    oid = resolve_office(kb, "Wann ist der Sprechtag der Rentenberatung in Kleinwalde?")
    assert oid == "rentenberatung_sprechtag"
    now = dt.datetime(2026, 12, 4, 10, tzinfo=TZ)
    ctx = Context(kb=kb, now=now, tz=TZ, office_id=oid, municipality="kleinwalde", place="Kleinwalde")
    stop = ctx.office()
    assert stop.id == "rentenberatung_kleinwalde" and stop.address.city == "Kleinwalde"
    nxt = H.next_opening(stop.hours, now, TZ, "ST")
    assert nxt.start.date() == dt.date(2027, 2, 4)  # 1st Thursday; January falls into the Weihnachtspause
    text = offices.opening_hours(ctx).text
    assert "Gemeindehaus Kleinwalde" in text and "4. Februar" in text and "Weihnachtspause" in text
