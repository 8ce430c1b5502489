"""Freshness warnings of ``assistant kb check``: unchecked or stale sources, past deadline dates."""
from __future__ import annotations

import datetime as dt
import re

from assistant.kb import freshness
from assistant.kb.loader import load_kb
from tests.kb.test_kb_cli import run_cli


def test_real_catalogue_has_no_stale_deadline_and_every_source_is_dated(kb):
    warnings = freshness.check(kb, dt.date(2026, 12, 4))
    assert [w for w in warnings if w.kind == "past_deadline"] == []
    assert [w for w in warnings if w.kind == "unchecked"] == []


def test_fuehrerschein_cohorts_are_structured_and_only_future_ones_listed(kb):
    dates = kb.services["fuehrerschein"].deadline.dates
    assert {d.date for d in dates} >= {dt.date(2029, 1, 19), dt.date(2033, 1, 19)}
    assert all(d.date > dt.date(2026, 12, 4) for d in dates)
    text = kb.services["fuehrerschein"].deadline.text
    assert "vor 1953" in text and "2008 bis 19. Januar 2029" in text
    assert "bis 19. Januar 2026" not in text  # that one is past: named only as expired


def test_deadline_in_the_past_is_reported(kb):
    warnings = freshness.check(kb, dt.date(2027, 2, 1))
    past = [w for w in warnings if w.kind == "past_deadline"]
    assert len(past) == 1 and past[0].file == "catalogue/fuehrerschein.yml"
    assert "19.01.2027" in past[0].message and "Vergangenheit" in past[0].message


def test_source_not_checked_for_more_than_a_year_and_missing_date(kb_copy):
    path = kb_copy / "catalogue" / "sperrmuell.yml"
    text = path.read_text(encoding="utf-8")
    first = text.index("checked: 2026-11-29")
    text = text[:first] + "checked: 2025-06-01" + text[first + len("checked: 2026-11-29"):]
    text = re.sub(r"\n +checked: 2026-11-29(?=\n)", "", text, count=1)  # one source without a date
    path.write_text(text, encoding="utf-8")
    warnings = freshness.check(load_kb(kb_copy), dt.date(2026, 12, 4))
    mine = [w for w in warnings if w.file == "catalogue/sperrmuell.yml"]
    kinds = sorted(w.kind for w in mine)
    assert kinds == ["stale_source", "unchecked"], mine
    assert any("01.06.2025" in w.message and "mehr als einem Jahr" in w.message for w in mine)


def test_cli_prints_hints_in_german_and_strict_fails():
    proc = run_cli("kb", "check", "--today", "2027-02-01")
    assert proc.returncode == 0
    assert "Abgelaufene Fristen: 1" in proc.stdout and "fuehrerschein.yml" in proc.stdout
    strict = run_cli("kb", "check", "--today", "2027-02-01", "--strict")
    assert strict.returncode == 1
    ok = run_cli("kb", "check", "--strict", "--today", "2026-12-04")
    assert ok.returncode == 0 and "Abgelaufene Fristen: 0" in ok.stdout
    bad = run_cli("kb", "check", "--today", "morgen")
    assert bad.returncode == 2 and "JJJJ-MM-TT" in bad.stderr
