"""'Geht das online?' answered 'no' still says when the KB knows it goes by letter or e-mail, so a
resident without a car learns they need not come."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from assistant.answers import services
from assistant.answers.context import Context


def _online(kb, service: str, municipality: str) -> str:
    now = dt.datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    return services.online(Context(kb=kb, now=now, tz=now.tzinfo, service=service, municipality=municipality)).text


def test_abmeldung_not_online_but_by_letter(kb):
    text = _online(kb, "wohnsitz_abmelden", "musterstadt")
    assert "nicht online" in text
    assert "Brief" in text or "Post" in text


def test_municipal_note_about_post_is_used(kb):
    mun = kb.municipalities["kleinwalde"]
    note = mun.services["hund_anmelden"].note
    assert "per Post" in note  # the fact this test relies on
    text = _online(kb, "hund_anmelden", "kleinwalde")
    assert "Post" in text and "E-Mail" in text


def test_service_that_needs_a_visit_gets_no_post_sentence(kb):
    text = _online(kb, "personalausweis", "musterstadt")
    assert "per Post" not in text and "per Brief" not in text
