"""Local dialogues: validation with German messages (file, line, field), lookup tables, merging."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml

from assistant.kb.local_dialogue.check import check_local_dialogues
from assistant.kb.local_dialogue.generate import write_training_files
from assistant.kb.local_dialogue.tables import LookupTable, lookup

ROOT = Path(__file__).resolve().parents[2]
KLEINWALDE = ROOT / "kb" / "municipalities" / "kleinwalde"


def make_kb(tmp_path: Path, *ids: str) -> Path:
    """A kb/ folder with municipality folders; the first one gets a copy of Kleinwalde's dialogue."""
    root = tmp_path / "kb"
    for mid in ids or ("kleinwalde",):
        folder = root / "municipalities" / mid
        folder.mkdir(parents=True)
        (folder / "municipality.yml").write_text(f"id: {mid}\nname: {mid.title()}\n", encoding="utf-8")
    first = root / "municipalities" / (ids[0] if ids else "kleinwalde")
    shutil.copytree(KLEINWALDE / "dialogue", first / "dialogue")
    shutil.copy(KLEINWALDE / "tests.yml", first / "tests.yml")
    return root


def dialogue_file(root: Path, name: str, mid: str = "kleinwalde") -> Path:
    return root / "municipalities" / mid / "dialogue" / name


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in check_local_dialogues(root, ROOT)[1]]


def test_demo_county_dialogues_are_valid():
    dialogues, problems = check_local_dialogues(ROOT / "kb", ROOT)
    assert problems == []
    by_id = {d.municipality_id: d for d in dialogues}
    assert set(by_id) == {"kleinwalde", "auental"}
    assert by_id["kleinwalde"].intents == ["kleinwalde_sperrmuell_strasse"]
    assert by_id["kleinwalde"].tables["sperrmuell_strassen"].slot == "kleinwalde_strasse"
    assert "auental_ortsteil_form" in by_id["auental"].forms


def test_redefining_a_global_intent_is_refused_with_file_and_line(tmp_path):
    root = make_kb(tmp_path)
    path = dialogue_file(root, "nlu.yml")
    path.write_text(path.read_text(encoding="utf-8") + "  - intent: affirm\n    examples: |\n      - jo\n",
                    encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines()) - 2
    msgs = problems_of(root)
    assert any(m.startswith(f"municipalities/kleinwalde/dialogue/nlu.yml:{line} [nlu.1.intent]")
               and "globale Absicht" in m for m in msgs), msgs


def test_unknown_intent_and_missing_response_in_rules(tmp_path):
    root = make_kb(tmp_path)
    path = dialogue_file(root, "rules.yml")
    text = path.read_text(encoding="utf-8")
    text = text.replace("- intent: kleinwalde_sperrmuell_strasse", "- intent: kleinwalde_sperrmuel_strasse")
    text = text.replace("- action: action_local_lookup", "- action: utter_kleinwalde_gibt_es_nicht")
    path.write_text(text, encoding="utf-8")
    msgs = problems_of(root)
    assert any("rules.yml:6 [rules.0.steps.0.intent]" in m and "unbekannte Absicht 'kleinwalde_sperrmuel_strasse'"
               in m for m in msgs), msgs
    assert any("[rules.1.steps.3.action]" in m and "Antwort fehlt: 'utter_kleinwalde_gibt_es_nicht'" in m
               for m in msgs), msgs


def test_prefix_collision_between_municipalities(tmp_path):
    root = make_kb(tmp_path, "wald", "wald_ost")
    for name in ("nlu.yml", "rules.yml", "responses.yml", "data/sperrmuell_strassen.yml"):
        p = dialogue_file(root, name, "wald")
        p.write_text(p.read_text(encoding="utf-8").replace("kleinwalde_", "wald_"), encoding="utf-8")
    (root / "municipalities" / "wald" / "tests.yml").unlink()
    assert problems_of(root) == []
    p = dialogue_file(root, "nlu.yml", "wald")
    p.write_text(p.read_text(encoding="utf-8").replace("wald_sperrmuell_strasse", "wald_ost_sperrmuell"), encoding="utf-8")
    msgs = problems_of(root)
    assert any("nlu.yml" in m and "Vorsilbe der Gemeinde 'wald_ost'" in m and "Namenskollision" in m for m in msgs), msgs


def test_story_that_contradicts_a_national_rule(tmp_path):
    root = make_kb(tmp_path)
    stories = {"version": "3.1", "stories": [{"story": "Sperrmüll mit Ja/Nein", "steps": [
        {"intent": "kleinwalde_sperrmuell_strasse"}, {"action": "action_local_gate"},
        {"action": "utter_kleinwalde_sperrmuell_kein_termin"},
        {"intent": "affirm"}, {"action": "utter_ask_kleinwalde_strasse"}]}]}
    dialogue_file(root, "stories.yml").write_text(yaml.safe_dump(stories, allow_unicode=True), encoding="utf-8")
    msgs = problems_of(root)
    assert any("stories.yml" in m and "widerspricht der Regel" in m and "'affirm'" in m
               and "action_continue_flow" in m for m in msgs), msgs


def test_story_without_gate_and_global_opening_are_refused(tmp_path):
    root = make_kb(tmp_path)
    stories = {"version": "3.1", "stories": [
        {"story": "ohne Tor", "steps": [{"intent": "kleinwalde_sperrmuell_strasse"},
                                       {"action": "utter_ask_kleinwalde_strasse"}]},
        {"story": "national", "steps": [{"intent": "greet"}, {"action": "utter_kleinwalde_sperrmuell_kein_termin"}]}]}
    dialogue_file(root, "stories.yml").write_text(yaml.safe_dump(stories, allow_unicode=True), encoding="utf-8")
    msgs = problems_of(root)
    assert any("[stories.0.steps.1]" in m and "action_local_gate" in m for m in msgs), msgs
    assert any("[stories.1.steps.0]" in m and "eigenen Absicht" in m for m in msgs), msgs


def test_table_field_missing_from_a_row_and_yaml_error(tmp_path):
    root = make_kb(tmp_path)
    table = dialogue_file(root, "data/sperrmuell_strassen.yml")
    text = table.read_text(encoding="utf-8").replace("      bezirk: Bezirk 3, Ortsrand\n", "      ort: Ortsrand\n")
    table.write_text(text, encoding="utf-8")
    msgs = problems_of(root)
    assert any("sperrmuell_strassen.yml" in m and "[rows.2]" in m and "{bezirk}" in m for m in msgs), msgs
    dialogue_file(root, "responses.yml").write_text("responses:\n  utter_kleinwalde_x:\n    - text: [kaputt\n",
                                                    encoding="utf-8")
    msgs = problems_of(root)
    assert any("responses.yml:3" in m and "YAML-Syntaxfehler" in m for m in msgs), msgs


def test_lookup_finds_streets_in_sentences_and_typos():
    data = yaml.safe_load((KLEINWALDE / "dialogue/data/sperrmuell_strassen.yml").read_text(encoding="utf-8"))
    table = LookupTable.model_validate(data)
    today = dt.date(2026, 12, 10)
    r = lookup(table, "ich wohne in der Lindenstrasse", today)
    assert (r.response, r.fields["value"], r.fields["next_date"]) == (
        "utter_kleinwalde_sperrmuell_termin", "Lindenstraße", "Mittwoch, 16. Dezember 2026")
    assert lookup(table, "Felweg", today).fields["value"] == "Feldweg"
    r = lookup(table, "Hauptstraße", today)
    assert r.response == "utter_kleinwalde_sperrmuell_unbekannt" and "Lindenstraße" in r.fields["options"]
    assert lookup(table, "Dorfstraße", dt.date(2028, 1, 1)).response == "utter_kleinwalde_sperrmuell_kein_termin"


def test_generated_training_files_and_domain_folder(tmp_path):
    dialogues, problems = check_local_dialogues(ROOT / "kb", ROOT)
    assert not problems
    written = write_training_files(dialogues, tmp_path / "data", tmp_path / "domain", ROOT / "domain.yml")
    assert (tmp_path / "domain" / "domain.yml").resolve() == (ROOT / "domain.yml").resolve()
    local = yaml.safe_load((tmp_path / "domain" / "local_kleinwalde.yml").read_text(encoding="utf-8"))
    assert local["intents"] == ["kleinwalde_sperrmuell_strasse"]
    assert "utter_ask_kleinwalde_strasse" in local["responses"]
    generic = yaml.safe_load((tmp_path / "domain" / "local_dialogues.yml").read_text(encoding="utf-8"))
    assert generic["actions"] == ["action_local_gate", "action_local_lookup"]
    rules = yaml.safe_load((tmp_path / "data" / "auental" / "rules.yml").read_text(encoding="utf-8"))
    assert rules["rules"][0]["steps"][1] == {"action": "action_local_gate"}
    assert tmp_path / "domain" in written


def test_rasa_loads_the_merged_domain_folder(tmp_path):
    """Rasa's own domain loader merges the folder (intents, forms, responses of both municipalities)."""
    import subprocess

    dialogues, _ = check_local_dialogues(ROOT / "kb", ROOT)
    write_training_files(dialogues, tmp_path / "data", tmp_path / "domain", ROOT / "domain.yml")
    code = ("import sys; from rasa.shared.core.domain import Domain; d = Domain.load(sys.argv[1]); "
            "print(sorted(i for i in d.intents if '_' in i and i.split('_')[0] in ('kleinwalde','auental'))); "
            "print(sorted(d.form_names)); print('ask_documents' in d.intents)")
    out = subprocess.run([str(ROOT / ".venv/rasa/bin/python"), "-c", code, str(tmp_path / "domain")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()[-3:]
    assert lines == ["['auental_buergermobil_halt', 'kleinwalde_sperrmuell_strasse']",
                     "['auental_ortsteil_form', 'kleinwalde_strasse_form']", "True"]
