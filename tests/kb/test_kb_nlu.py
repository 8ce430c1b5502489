"""Rasa NLU data generated from the knowledge base (synonyms, lookup tables, gazetteer)."""
from __future__ import annotations

import json

import yaml

from assistant.kb.nlu import write_nlu_files


def test_generated_nlu_files(kb, tmp_path):
    nlu_path, gaz_path, sem_path = write_nlu_files(kb, tmp_path)
    data = yaml.safe_load(nlu_path.read_text(encoding="utf-8"))
    items = data["nlu"]
    synonyms = {i["synonym"]: i["examples"] for i in items if "synonym" in i}
    assert "- perso" in synonyms["personalausweis"].splitlines()
    lookups = {i["lookup"]: i["examples"] for i in items if "lookup" in i}
    assert "- kleinwalde" in lookups["place"] and "- führungszeugnis" in lookups["service"]
    gaz = json.loads(gaz_path.read_text(encoding="utf-8"))
    assert gaz["service"]["Perso"] == "personalausweis"
    assert gaz["place"]["Oberwalde"] == "Oberwalde"
    assert gaz["service"]["Sofa"] == "sperrmuell"  # colloquial words are service words
    assert {"families", "never_service"} <= set(gaz["_rules"])
    sem = json.loads(sem_path.read_text(encoding="utf-8"))
    assert "rosa Lappen" in sem["fuehrerschein"]["words"] and sem["fuehrerschein"]["summary"]
