"""Age-dependent fees and local answers without a municipality."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from assistant.answers.context import Context
from assistant.answers.local_match import decide
from assistant.answers.services import fees_for_age

TZ = ZoneInfo("Europe/Berlin")


def _ctx(kb, service):
    return Context(kb=kb, now=dt.datetime(2026, 11, 3, 10, 0, tzinfo=TZ), tz=TZ, service=service)


def test_fees_for_an_age_keep_only_the_fee_of_that_age_group(kb):
    adult = fees_for_age(_ctx(kb, "reisepass"), 45).text
    assert "70" in adult and "37,50" not in adult
    young = fees_for_age(_ctx(kb, "personalausweis"), 17).text
    assert "27,60" in young and "46 €" not in young


def test_fees_that_do_not_depend_on_age_give_none(kb):
    assert fees_for_age(_ctx(kb, "hund_anmelden"), 45) is None


def test_a_named_facility_only_one_municipality_has_is_answered_without_asking(kb):
    d = decide(kb, "kann ich beim wertstoffhof alte elektrogeräte abgeben", None)
    assert d.kind == "answer" and d.municipality_id == "musterstadt"
    assert decide(kb, "Wo ist das Schwimmbad?", None).kind == "ask_municipality"  # not named by any answer
