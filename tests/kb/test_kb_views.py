"""Effective (merged) views of the knowledge base and name resolution."""
from __future__ import annotations

import pytest

from assistant.kb.views import (
    effective_service,
    resolve_municipality,
    resolve_office,
    resolve_service,
    responsible_office,
)


@pytest.mark.parametrize("slug, municipality, office", [
    ("personalausweis", "kleinwalde", "kleinwalde_buergerbuero"),
    ("personalausweis", "musterstadt", "musterstadt_buergerbuero"),
    ("personalausweis", "eichenbrueck", "buergermobil_eichenbrueck"),  # the Bürgermobil stop there
    ("personalausweis", "auental", "buergermobil_lindenau"),
    ("eheschliessung", "kleinwalde", "musterstadt_standesamt"),
    ("kfz_zulassung", "kleinwalde", "lra_kfz_zulassung"),
    ("einbuergerung", "kleinwalde", "lra_auslaenderbehoerde"),     # county override
    ("hund_anmelden", "auental", "musterstadt_buergerbuero"),      # municipal override
    ("schwerbehindertenausweis", None, "lvwa_versorgungsamt"),
])
def test_responsible_office(kb, slug, municipality, office):
    found = responsible_office(kb, slug, municipality)
    assert found is not None and found.id == office


def test_unknown_service_has_no_office(kb):
    assert responsible_office(kb, "raumfahrt", "kleinwalde") is None


def test_local_fees_replace_national_fees(kb):
    national = effective_service(kb, "hund_anmelden", None)
    local = effective_service(kb, "hund_anmelden", "kleinwalde")
    assert not national.local_fees and local.local_fees
    assert 36 in [f.amount for f in local.fees]
    assert [f.label for f in local.fees] == [f.label for f in kb.municipalities["kleinwalde"].services["hund_anmelden"].fees]
    assert len(local.notes) == 2  # county note + municipal note


def test_online_url_override_keeps_rest_of_online(kb):
    eff = effective_service(kb, "kfz_zulassung", "kleinwalde")
    assert eff.online.url == "https://www.musterland.example/kfz/online-zulassung"
    assert eff.online.available == kb.services["kfz_zulassung"].online.available


def test_documents_sorted_by_priority(kb):
    eff = effective_service(kb, "personalausweis", "kleinwalde")
    priorities = [d.priority for d in eff.documents]
    assert priorities == sorted(priorities, reverse=True)


@pytest.mark.parametrize("text, slug", [
    ("Perso", "personalausweis"), ("personalausweis", "personalausweis"),
    ("Ich brauche einen neuen Reisepass", "reisepass"), ("Führungszeugnis", "fuehrungszeugnis"),
    ("fuehrungszeugnis", "fuehrungszeugnis"), ("Personalausweisantrag", "personalausweis"),
    ("Hund anmelden", "hund_anmelden"),
])
def test_resolve_service(kb, text, slug):
    assert resolve_service(kb, text) == slug


def test_resolve_service_unknown(kb):
    assert resolve_service(kb, "") is None
    assert resolve_service(kb, "Wie wird das Wetter morgen?") is None


@pytest.mark.parametrize("text, mid", [("Kleinwalde", "kleinwalde"), ("kleinwalde", "kleinwalde"),
                                       ("Oberwalde", "kleinwalde"), ("Ich wohne in Birkenhain", "kleinwalde"),
                                       ("Eichenbrück", "eichenbrueck"), ("Musterstadt", "musterstadt")])
def test_resolve_municipality(kb, text, mid):
    assert resolve_municipality(kb, text) == mid


def test_resolve_office(kb):
    assert resolve_office(kb, "rollendes Rathaus") == "buergermobil"
    assert resolve_office(kb, "Gemeindehaus Kleinwalde") == "kleinwalde_buergerbuero"
    assert resolve_office(kb, "Mondbasis") is None
