"""Cross-checks between knowledge-base files (assistant/kb/consistency.py): the real kb/ has no
contradictions, and each contradiction the blind test writer found, put back into a copy of kb/,
is reported again (by the module and by ``assistant kb check``)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from assistant.kb import consistency
from assistant.kb.loader import load_kb

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = ROOT / ".venv" / "app" / "bin" / "assistant"

COUNTY = "county.yml"
MUSTERSTADT = "municipalities/musterstadt/municipality.yml"
KLEINWALDE = "municipalities/kleinwalde/municipality.yml"
EICHENBRUECK = "municipalities/eichenbrueck/municipality.yml"

# (kind, file, text in the real kb, text that reintroduces a contradiction)
BREAKAGES = [
    ("phone", COUNTY, "phone: 030 23125 220\n    email: rentenberatung@", "phone: 030 23125 210\n    email: rentenberatung@"),
    ("booking", COUNTY, "        elterngeld: 30\n", "        elterngeld: 30\n        kita_platz: 20\n"),
    ("booking", KLEINWALDE, "        reisepass: 20\n", "        reisepass: 20\n        kinderreisepass: 15\n"),
    ("stand_in", KLEINWALDE,
     "reason: Urlaub. Vertretung für Kleinwalde in dieser Zeit im Bürgerbüro im Rathaus Musterstadt, Markt 1 (Vereinbarung, Demo)",
     "reason: Urlaub (Vertretung im Bürgerbüro im Rathaus Musterstadt)"),
    ("stand_in", KLEINWALDE,
     "reason: Urlaub. Vertretung für Kleinwalde in dieser Zeit im Bürgerbüro im Rathaus Musterstadt, Markt 1 (Vereinbarung, Demo)",
     "reason: Urlaub (Vertretung im Bürgerbüro Musterstadt)"),
    ("rufbus", COUNTY,
     "note: Am Wochenende fährt kein Bus 415. Samstags (8 bis 14 Uhr) können Sie den Rufbus nehmen, sonntags fährt auch kein Rufbus.",
     "note: Am Wochenende fährt kein Bus. Bitte nutzen Sie dann den Rufbus."),
    ("saturday", MUSTERSTADT, "Am Mittwoch und am Wochenende geschlossen. Trauungen", "Am Mittwoch geschlossen. Trauungen"),
    ("online", COUNTY,
     "Schicken Sie den unterschriebenen Antrag per Post (per E-Mail oder online geht es in Sachsen-Anhalt nicht).",
     "Den Antrag können Sie online oder per Post stellen."),
    ("address", COUNTY, "lat: 51.9550\n          lon: 11.8350\n        municipality: kleinwalde",
     "lat: 51.9402\n          lon: 11.8671\n        municipality: kleinwalde"),
    ("responsible", EICHENBRUECK, "standesamt: musterstadt_standesamt", "standesamt: kleinwalde_buergerbuero"),
    ("fee", "catalogue/kinderreisepass.yml", "amount: 37.50", "amount: 35"),
    ("appointment", COUNTY, "Besuch nur mit Termin, den Sie telefonisch vereinbaren.", "Besuch nur mit Termin."),
]


def _break(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{file}: expected exactly one {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_real_kb_has_no_contradictions(kb):
    assert consistency.check(kb) == []


@pytest.mark.parametrize("kind,file,old,new", BREAKAGES, ids=[f"{b[0]}-{i}" for i, b in enumerate(BREAKAGES)])
def test_each_reintroduced_contradiction_is_reported(kb_copy, kind, file, old, new):
    _break(kb_copy, file, old, new)
    found = consistency.check(load_kb(kb_copy))
    assert [c.kind for c in found] and {c.kind for c in found} == {kind}, [str(c) for c in found]


def test_abolished_service_has_no_office_requirement_but_keeps_its_answer(kb):
    svc = kb.services["kinderreisepass"]
    assert svc.abolished_since is not None and svc.abolished_since.year == 2024
    assert all("kinderreisepass" not in (o.booking.slot_minutes if o.booking else {}) for o in kb.offices.values())


def test_kb_check_exits_1_and_names_the_contradiction(kb_copy):
    _break(kb_copy, *BREAKAGES[0][1:])
    env = {k: v for k, v in os.environ.items() if k not in ("ASSISTANT_DATABASE_URL", "ASSISTANT_KB_DIR")}
    proc = subprocess.run([str(ASSISTANT), "kb", "check", str(kb_copy)], capture_output=True, text=True,
                          env=env, cwd=str(ROOT), timeout=180)
    assert proc.returncode == 1
    assert "widerspricht sich" in proc.stderr and "030" in proc.stderr and "rentenberatung_sprechtag" in proc.stderr


def test_kb_check_prints_text_rules_as_hints_and_fails_only_when_strict(kb_copy):
    rufbus = next(b for b in BREAKAGES if b[0] == "rufbus")
    _break(kb_copy, *rufbus[1:])
    env = {k: v for k, v in os.environ.items() if k not in ("ASSISTANT_DATABASE_URL", "ASSISTANT_KB_DIR")}
    run = lambda *extra: subprocess.run([str(ASSISTANT), "kb", "check", str(kb_copy), *extra],  # noqa: E731
                                        capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=180)
    plain, strict = run(), run("--strict")
    assert plain.returncode == 0 and "Rufbus" in plain.stdout and "Widerspr" in plain.stdout
    assert strict.returncode == 1
