"""'Geht das online?' answered 'no' still says when the KB knows it goes by letter or e-mail, so a
resident without a car learns they need not come."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.answers import services
from assistant.answers.context import Context
from assistant.kb.loader import load_kb

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def kb():
    return load_kb(ROOT / "kb")


def test_abmeldung_not_online_but_by_letter(kb):
    reply = services.online(Context(kb=kb, now=NOW, tz=TZ, service="wohnsitz_abmelden", municipality="musterstadt"))
    assert "nicht online" in reply.text
    assert "Brief" in reply.text or "Post" in reply.text


def test_municipal_note_about_post_is_used(kb):
    mun = kb.municipalities["kleinwalde"]
    note = mun.services["hund_anmelden"].note
    assert "per Post" in note  # the fact this test relies on
    reply = services.online(Context(kb=kb, now=NOW, tz=TZ, service="hund_anmelden", municipality="kleinwalde"))
    assert "Post" in reply.text and "E-Mail" in reply.text


def test_service_that_needs_a_visit_gets_no_post_sentence(kb):
    reply = services.online(Context(kb=kb, now=NOW, tz=TZ, service="personalausweis", municipality="musterstadt"))
    assert "per Post" not in reply.text and "per Brief" not in reply.text
