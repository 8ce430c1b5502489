"""load_kb: the real knowledge base loads; broken copies are reported with file, line and field."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.kb.loader import KBValidationError, Problem, load_kb, normalize
from assistant.kb.schema import SERVICE_SLUGS

ROOT = Path(__file__).resolve().parents[2]

KLEINWALDE = "municipalities/kleinwalde/municipality.yml"
FZ = "catalogue/fuehrungszeugnis.yml"


def replace_once(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line that contains ``needle``."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(KBValidationError) as info:
        load_kb(root)
    assert info.value.problems, "KBValidationError without problems"
    return info.value.problems


def only(problems: list[Problem], file: str, predicate=lambda p: True) -> list[Problem]:
    return [p for p in problems if p.file == file and predicate(p)]


# ------------------------------------------------------------------ the real kb/

def test_real_kb_loads_with_every_catalogue_service(kb):
    assert len(kb.services) == 33
    assert set(SERVICE_SLUGS) <= set(kb.services)
    assert set(kb.municipalities) == {"musterstadt", "kleinwalde", "eichenbrueck", "auental"}
    assert kb.county.state == "ST"
    for slug, svc in kb.services.items():
        assert svc.slug == slug


def test_real_kb_registers_every_office_with_its_owner(kb):
    assert kb.office_owner["kleinwalde_buergerbuero"] == "kleinwalde"
    assert kb.office_owner["buergermobil"] is None  # county office
    for mid, mun in kb.municipalities.items():
        for office in mun.offices:
            assert kb.offices[office.id] is office
            assert kb.office_owner[office.id] == mid


def test_real_kb_conditions_only_name_declared_situations(kb):
    from assistant.kb import conditions

    for svc in kb.services.values():
        for doc in svc.documents:
            if doc.when:
                assert conditions.variables(conditions.parse(doc.when)) <= set(svc.situations), (svc.slug, doc.id)


def test_missing_folder_is_a_problem_not_a_crash(tmp_path):
    problems = problems_of(tmp_path / "nope")
    assert "nicht gefunden" in problems[0].message


def test_normalize_folds_umlauts_and_punctuation():
    assert normalize("Bürgerbüro  Straße!") == "buergerbuero strasse"
    assert normalize("Führungs-Zeugnis") == "fuehrungs zeugnis"


# ------------------------------------------------------------------ broken copies

def test_unknown_service_slug_in_municipality_override(kb_copy):
    path = kb_copy / KLEINWALDE
    replace_once(path, "\n  briefwahl:\n", "\n  reisepas:\n")
    line = line_of(path, "  reisepas:")
    found = only(problems_of(kb_copy), KLEINWALDE, lambda p: "reisepas" in p.message)
    assert len(found) == 1
    p = found[0]
    assert p.line == line
    assert p.field == "services.reisepas"
    assert str(p).startswith(f"{KLEINWALDE}:{line} [services.reisepas]")


def test_missing_required_summary(kb_copy):
    path = kb_copy / FZ
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"summary: >-\n(  .*\n)+", "", text, count=1)
    assert new != text
    path.write_text(new, encoding="utf-8")
    found = only(problems_of(kb_copy), FZ, lambda p: p.field == "summary")
    assert len(found) == 1
    assert found[0].message == "Pflichtfeld fehlt"
    # a missing key has no line of its own: the start of the mapping (first key) is named
    assert found[0].line == line_of(path, "slug: fuehrungszeugnis")
    assert f"{FZ}:{found[0].line} [summary]" in str(found[0])


@pytest.mark.parametrize("bad", ["8-12", "25:00-26:00", "12:00-08:00"])
def test_malformed_opening_hours(kb_copy, bad):
    path = kb_copy / KLEINWALDE
    replace_once(path, 'di: ["09:00-12:00"]', f'di: ["{bad}"]')
    found = only(problems_of(kb_copy), KLEINWALDE, lambda p: bad in p.message)
    assert len(found) == 1
    p = found[0]
    assert p.field.startswith("offices.0.hours")
    # the line points into the office's hours block (at its 'hours:' key or the bad line)
    assert line_of(path, "    hours:") <= p.line <= line_of(path, bad)
    assert re.match(rf"{re.escape(KLEINWALDE)}:\d+ \[offices\.0\.hours", str(p))


def test_duplicate_office_id(kb_copy):
    path = kb_copy / KLEINWALDE
    replace_once(path, "  - id: kleinwalde_buergerbuero\n", "  - id: buergermobil\n")
    line = line_of(path, "  - id: buergermobil")
    found = only(problems_of(kb_copy), KLEINWALDE, lambda p: "doppelt" in p.message)
    assert len(found) == 1
    p = found[0]
    assert p.line == line
    assert p.field.endswith("id")
    assert "buergermobil" in p.message and "county.yml" in p.message


def test_yaml_syntax_error_line_number(kb_copy):
    path = kb_copy / FZ
    line = line_of(path, "personal_appearance:")
    replace_once(path, "personal_appearance: false", "personal_appearance: false: true")
    found = only(problems_of(kb_copy), FZ)
    assert len(found) == 1
    p = found[0]
    assert p.line == line
    assert "YAML-Syntaxfehler" in p.message
    assert str(p).startswith(f"{FZ}:{line}")


def test_yaml_missing_colon_names_the_broken_line(kb_copy):
    path = kb_copy / FZ
    line = line_of(path, "office_type: buergerbuero")
    replace_once(path, "office_type: buergerbuero", "office_type buergerbuero")
    found = only(problems_of(kb_copy), FZ)
    assert len(found) == 1
    assert "YAML-Syntaxfehler" in found[0].message
    assert found[0].line == line


def test_condition_naming_undeclared_situation(kb_copy):
    path = kb_copy / FZ
    replace_once(path, "    when: volunteer\n    priority", "    when: volunteer and retired\n    priority")
    line = line_of(path, "when: volunteer and retired")
    found = only(problems_of(kb_copy), FZ, lambda p: "retired" in p.message)
    assert len(found) == 1
    p = found[0]
    assert p.line == line
    assert re.fullmatch(r"documents\.\d+\.when", p.field)


def test_condition_with_bad_syntax(kb_copy):
    path = kb_copy / FZ
    replace_once(path, "    when: volunteer\n    priority", "    when: volunteer and\n    priority")
    line = line_of(path, "when: volunteer and")
    found = only(problems_of(kb_copy), FZ, lambda p: "fehlerhaft" in p.message)
    assert len(found) == 1 and found[0].line == line


def test_non_utf8_file_names_the_line(kb_copy):
    path = kb_copy / FZ
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # make the file ASCII except one latin-1 byte on a known line
    ascii_lines = [ln.encode("ascii", "replace") for ln in lines]
    target = next(i for i, ln in enumerate(lines) if ln.startswith("name:"))
    ascii_lines[target] = "name: Führungszeugnis beantragen\n".encode("latin-1")
    path.write_bytes(b"".join(ascii_lines))
    found = only(problems_of(kb_copy), FZ)
    assert len(found) == 1
    assert "UTF-8" in found[0].message
    assert found[0].line == target + 1


@pytest.mark.parametrize("content", ["", "# nur ein Kommentar\n", "\n\n"])
def test_empty_file(kb_copy, content):
    path = kb_copy / FZ
    path.write_text(content, encoding="utf-8")
    found = only(problems_of(kb_copy), FZ)
    assert len(found) == 1
    assert found[0].message == "Datei ist leer"
    assert str(found[0]).startswith(FZ)


def test_slug_must_match_file_name(kb_copy):
    path = kb_copy / FZ
    replace_once(path, "slug: fuehrungszeugnis", "slug: fuehrungszeugnis_neu")
    found = only(problems_of(kb_copy), FZ, lambda p: p.field == "slug")
    assert found and found[0].line == line_of(path, "slug: fuehrungszeugnis_neu")


def test_unknown_field_is_reported_as_typo(kb_copy):
    path = kb_copy / FZ
    replace_once(path, "personal_appearance: false", "personal_appearance: false\nprocesing_time: 3 Tage")
    found = only(problems_of(kb_copy), FZ, lambda p: p.field == "procesing_time")
    assert len(found) == 1
    assert found[0].line == line_of(path, "procesing_time:")
    assert "unbekanntes Feld" in found[0].message


def test_every_problem_is_collected_not_only_the_first(kb_copy):
    replace_once(kb_copy / KLEINWALDE, "\n  briefwahl:\n", "\n  reisepas:\n")
    replace_once(kb_copy / FZ, "    when: volunteer\n    priority", "    when: volunteer and retired\n    priority")
    files = {p.file for p in problems_of(kb_copy)}
    assert {KLEINWALDE, FZ} <= files
