"""The KB gazetteer's matching (nlu_components.matching), on the vocabulary generated from kb/."""
from __future__ import annotations

import pytest

from assistant.kb.nlu import place_words, service_words
from nlu_components.matching import Gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    from assistant.kb.loader import load_kb
    from tests.conftest import ROOT

    kb = load_kb(ROOT / "kb")
    return Gazetteer({"service": service_words(kb), "place": place_words(kb)})


def found(g: Gazetteer, text: str) -> set[tuple[str, str]]:
    return {(e["entity"], e["value"]) for e in g.find(text)}


@pytest.mark.parametrize("text, expected", [
    ("Perso abgelaufen was brauch ich", ("service", "personalausweis")),
    ("Personalausweisantrag stellen", ("service", "personalausweis")),       # compound
    ("was kostet die anmeldung vom auto", ("service", "kfz_zulassung")),     # word order
    ("mein pass ist verloren gegangen", ("service", "ausweis_verlust")),
    ("führerschien umtauschen", ("service", "fuehrerschein")),               # typo
    ("HUNDESTEUER!!!", ("service", "hund_anmelden")),
    ("wann hat das amt in eichenbrueck auf", ("place", "Eichenbrück")),      # umlaut spelled out
    ("ich wohne in Oberwalde", ("place", "Oberwalde")),                       # Ortsteil
])
def test_finds_entity(gazetteer, text, expected):
    assert expected in found(gazetteer, text)


def test_offsets_point_at_the_original_text(gazetteer):
    text = "Wann kommt das Bürgermobil nach Eichenbrück?"
    for e in gazetteer.find(text):
        assert text[e["start"]:e["end"]] == e["text"]
        assert e["text"].strip() == e["text"]


def test_ordinary_words_are_not_services(gazetteer):
    assert found(gazetteer, "guten morgen wie geht es ihnen heute") == set()
    assert found(gazetteer, "das wetter ist schön") == set()


def test_longer_phrase_wins_over_contained_word(gazetteer):
    ents = found(gazetteer, "ich will meinen hund anmelden in kleinwalde")
    assert ("service", "hund_anmelden") in ents
    assert ("place", "Kleinwalde") in ents
    assert not any(v == "gewerbe_anmelden" for _, v in ents)


def test_empty_and_odd_input(gazetteer):
    assert gazetteer.find("") == []
    assert gazetteer.find("\x00\x01 ☃ 🙂") == []
    assert isinstance(gazetteer.find("a" * 5000), list)
