"""The ``assistant kb`` command line, run as a real process (check, load, show, export)."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path


from assistant.db import make_engine
from assistant.kb.store import read_kb, stored_hash

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = ROOT / ".venv" / "app" / "bin" / "assistant"


def run_cli(*args: str, db_url: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("ASSISTANT_DATABASE_URL", None)
    env.pop("ASSISTANT_KB_DIR", None)
    if db_url:
        env["ASSISTANT_DATABASE_URL"] = db_url
    return subprocess.run([str(ASSISTANT), *args], capture_output=True, text=True, env=env,
                          cwd=str(cwd or ROOT), timeout=180)


def test_check_real_kb_exits_0():
    proc = run_cli("kb", "check", str(ROOT / "kb"))
    assert proc.returncode == 0, proc.stderr
    assert "OK: 33 Leistungen, 4 Gemeinden" in proc.stdout


def test_check_broken_kb_exits_1_and_lists_file_line_field(kb_copy):
    path = kb_copy / "municipalities" / "kleinwalde" / "municipality.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n  briefwahl:\n", "\n  reisepas:\n"), encoding="utf-8")
    line = next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ln == "  reisepas:")
    fz = kb_copy / "catalogue" / "fuehrungszeugnis.yml"
    fz.write_text(fz.read_text(encoding="utf-8").replace("    when: volunteer\n    priority",
                                                         "    when: volunteer and retired\n    priority"),
                  encoding="utf-8")
    proc = run_cli("kb", "check", str(kb_copy))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert f"municipalities/kleinwalde/municipality.yml:{line} [services.reisepas]" in proc.stderr
    assert "catalogue/fuehrungszeugnis.yml:" in proc.stderr and ".when]" in proc.stderr
    assert "retired" in proc.stderr
    assert "2 Fehler" in proc.stderr


def test_load_show_and_failed_load_keeps_database(kb_copy, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    office = kb_copy / "municipalities" / "kleinwalde" / "municipality.yml"
    office.write_text(office.read_text(encoding="utf-8").replace("030 23125 400", "030 23125 401"), encoding="utf-8")

    proc = run_cli("kb", "load", str(kb_copy), db_url=db_url)
    assert proc.returncode == 0, proc.stderr
    assert "33 Leistungen" in proc.stdout
    engine = make_engine(db_url)
    try:
        digest = stored_hash(engine)
        assert digest and digest in proc.stdout
        loaded = read_kb(engine)
        assert loaded is not None and len(loaded.services) == 33
        assert loaded.offices["kleinwalde_buergerbuero"].phone == "030 23125 401"

        # now a broken edit: the load must fail and leave the previous content untouched
        office.write_text(office.read_text(encoding="utf-8").replace("030 23125 401", "030 23125 402")
                          .replace('di: ["09:00-12:00"]', 'di: ["9-12"]'), encoding="utf-8")
        proc = run_cli("kb", "load", str(kb_copy), db_url=db_url)
        assert proc.returncode == 1
        assert "9-12" in proc.stderr
        assert "unverändert" in proc.stderr
        assert stored_hash(engine) == digest
        again = read_kb(engine)
        assert again is not None and len(again.services) == 33
        assert again.offices["kleinwalde_buergerbuero"].phone == "030 23125 401"
    finally:
        engine.dispose()


def test_show_prints_effective_service_with_office_as_json():
    proc = run_cli("kb", "show", "personalausweis", "--municipality", "Kleinwalde", "--path", str(ROOT / "kb"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["service"] == "personalausweis"
    assert data["municipality"] == "kleinwalde"
    assert data["office"]["id"] == "kleinwalde_buergerbuero"
    assert data["office"]["hours"]["weekly"] == {"di": ["09:00-12:00"], "do": ["14:00-18:00"]}
    assert {d["id"] for d in data["documents"]} >= {"passbild", "alter_ausweis"}
    assert data["online"]["available"] is False


def test_show_unknown_service_and_municipality_exit_1():
    assert run_cli("kb", "show", "raumschiff", "--path", str(ROOT / "kb")).returncode == 1
    proc = run_cli("kb", "show", "personalausweis", "--municipality", "Atlantis", "--path", str(ROOT / "kb"))
    assert proc.returncode == 1
    assert "Atlantis" in proc.stderr


def test_export_jsonld_has_government_offices_with_opening_hours(kb):
    proc = run_cli("kb", "export", "--format", "jsonld", "--path", str(ROOT / "kb"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["@context"] == "https://schema.org"
    nodes = {n["@id"]: n for n in data["@graph"]}
    assert {f"#office-{oid}" for oid in kb.offices} == set(nodes)
    for node in nodes.values():
        assert node["@type"] == "GovernmentOffice"
        assert isinstance(node["openingHoursSpecification"], list)
        assert node["address"]["@type"] == "PostalAddress"
    kw = nodes["#office-kleinwalde_buergerbuero"]
    weekly = {(s["dayOfWeek"], s["opens"], s["closes"]) for s in kw["openingHoursSpecification"] if "dayOfWeek" in s}
    assert weekly == {("https://schema.org/Tuesday", "09:00", "12:00"), ("https://schema.org/Thursday", "14:00", "18:00")}
    closed = [s for s in kw["openingHoursSpecification"] if "validFrom" in s]
    assert {"validFrom": "2026-08-04", "validThrough": "2026-08-20"}.items() <= next(
        s for s in closed if s["validFrom"] == "2026-08-04").items()
    assert kw["geo"]["@type"] == "GeoCoordinates"


def test_export_json_roundtrips_every_service():
    proc = run_cli("kb", "export", "--format", "json", "--path", str(ROOT / "kb"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["services"]) == 33
    assert set(data["municipalities"]) == {"musterstadt", "kleinwalde", "eichenbrueck", "auental"}


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first line containing ``old`` (must be unique); return its 1-based line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hits = [i for i, ln in enumerate(lines) if old in ln]
    assert len(hits) == 1, (path, old, hits)
    lines[hits[0]] = lines[hits[0]].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")
    return hits[0] + 1


def test_check_reports_every_kind_of_breakage(kb_copy):
    """One broken copy with eight different mistakes in eight files: each is named with file:line [field]."""
    cat, mun = kb_copy / "catalogue", kb_copy / "municipalities"
    expected: list[tuple[str, str]] = []  # (regex that must match a line of stderr, what it is)

    line = _edit(mun / "kleinwalde" / "municipality.yml", "  briefwahl:", "  reisepas:")
    expected.append((rf"municipalities/kleinwalde/municipality\.yml:{line} \[services\.reisepas\]: .*reisepas",
                     "unknown slug"))

    elterngeld = cat / "elterngeld.yml"
    text = elterngeld.read_text(encoding="utf-8")
    start = text.index("\nsummary:") + 1
    end = text.index("\n", start)
    while text[end + 1:end + 3] == "  ":  # folded block lines
        end = text.index("\n", end + 1)
    elterngeld.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    expected.append((r"catalogue/elterngeld\.yml:\d+ \[summary\]: Pflichtfeld fehlt", "missing summary"))

    musterstadt = mun / "musterstadt" / "municipality.yml"
    lines = musterstadt.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if 'di: ["08:00-12:00", "13:00-18:00"]' in ln)
    lines[first] = lines[first].replace('"13:00-18:00"', '"25:00-26:00"')
    musterstadt.write_text("".join(lines), encoding="utf-8")
    expected.append((r"municipalities/musterstadt/municipality\.yml:\d+ \[offices\.0\.hours[^]]*\]: .*25:00-26:00",
                     "malformed hours"))

    line = _edit(kb_copy / "county.yml", "  - id: lra_wohngeld", "  - id: lra_bauamt")
    expected.append((rf"county\.yml:{line} \[id\]: .*lra_bauamt", "duplicate office id"))

    line = _edit(cat / "fuehrungszeugnis.yml", "personal_appearance: false", "personal_appearance: false: true")
    expected.append((rf"catalogue/fuehrungszeugnis\.yml:{line}: YAML-Syntaxfehler", "yaml syntax"))

    line = _edit(cat / "personalausweis.yml", "    when: has_previous_id", "    when: has_previous_id and is_robot")
    expected.append((rf"catalogue/personalausweis\.yml:{line} \[documents\.\d+\.when\]: .*is_robot",
                     "undeclared situation"))

    reisepass = cat / "reisepass.yml"
    raw = reisepass.read_text(encoding="utf-8")
    latin = "\n".join(ln if ln.startswith("name:") else ln.encode("ascii", "replace").decode("ascii")
                      for ln in raw.split("\n"))
    reisepass.write_bytes(latin.replace("name: Reisepass beantragen", "name: Reisepaß beantragen").encode("latin-1"))
    line = next(i for i, ln in enumerate(latin.split("\n"), 1) if ln.startswith("name:"))
    expected.append((rf"catalogue/reisepass\.yml:{line}: Datei ist nicht UTF-8", "non-UTF-8"))

    (cat / "fundsache.yml").write_text("", encoding="utf-8")
    expected.append((r"catalogue/fundsache\.yml: Datei ist leer", "empty file"))

    proc = run_cli("kb", "check", str(kb_copy))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    missing = [(rx, what) for rx, what in expected if not any(re.search(rx, ln) for ln in lines)]
    assert missing == [], proc.stderr
