"""Per-turn extraction: negated services, transport words, yes/no inside longer answers."""
from __future__ import annotations

import pytest

from assistant.dialogue.turn import extract, yes_no


def _msg(text: str, intent: str = "inform", entities=None) -> dict:
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}


def _gazetteer_entities(kb, text):
    from assistant.kb.views import gazetteer

    return [e for e in gazetteer(kb).find(text)]


@pytest.mark.parametrize("text,service", [
    ("ich hab kein auto, wie komme ich zum bürgerbüro", None),
    ("ohne Auto zum Rathaus", None),
    ("ich hab keinen online-ausweis, kann ich trotzdem das führungszeugnis online beantragen", "fuehrungszeugnis"),
    ("kostet der bürgerbus was", None),
    ("was kostet der reisepass", "reisepass"),
])
def test_negated_mentions_and_transport_words_are_no_request(kb, text, service):
    turn = extract(kb, _msg(text, entities=_gazetteer_entities(kb, text)))
    assert turn.service == service


def test_no_car_and_transport_are_noted(kb):
    turn = extract(kb, _msg("ich hab kein auto, fährt da ein bürgerbus"))
    assert turn.no_car and turn.transport == "buergerbus"


@pytest.mark.parametrize("text,value", [
    ("jo, n alter kühlschrank is auch dabei", True),
    ("ja, ich hab noch den grauen lappen", True),
    ("nein, sie ist zuhause gestorben", False),
    ("nee, gefährlich is die nich", False),
    ("ok weiter mit der liste. nein ich bin nicht verheiratet", False),
    ("wann hat das bürgerbüro offen", None),
    ("wo ist das genau", None),
])
def test_yes_no_inside_longer_answers(text, value):
    assert yes_no("inform", text) is value


def test_payload_is_not_read_as_words(kb):
    turn = extract(kb, _msg('/inform{"place": "Kleinwalde"}', entities=[{"entity": "place", "value": "Kleinwalde"}]))
    assert turn.municipality == "kleinwalde" and turn.yes_no is None and not turn.reference


def test_the_question_clause_names_the_service(kb):
    turn = extract(kb, _msg("wir haben ein baby bekommen, wo beantrage ich kindergeld", "ask_life_event"))
    assert turn.service == "kindergeld"


@pytest.mark.parametrize("text,service", [
    ("ich hab kein auto mehr, das ist verschrottet worden", "kfz_abmeldung"),
    ("wir haben keinen hund mehr", "hund_abmelden"),
])
def test_no_longer_having_it_means_deregistering_it(kb, text, service):
    assert extract(kb, _msg(text)).service == service


def test_age_and_several_municipalities_are_extracted(kb):
    assert extract(kb, _msg("ich bin 45")).age == 45
    assert extract(kb, _msg("am Markt 1")).age is None
    turn = extract(kb, _msg("ich wohne in musterstadt, mein bruder in kleinwalde"))
    assert turn.municipalities == ["musterstadt", "kleinwalde"]


def test_a_mobile_office_named_by_type_is_the_office_with_its_stops(kb):
    turn = extract(kb, _msg("komm ich mit dem rollstuhl in das bürgermobil rein"))
    assert turn.office_id == "buergermobil"


def test_a_lost_id_is_the_lost_id_service_and_comes_first(kb):
    text = "mir wurde die geldbörse gestohlen, perso und führerschein sind weg"
    turn = extract(kb, _msg(text, "check_documents", _gazetteer_entities(kb, text)))
    assert turn.services[0] == "ausweis_verlust" and "fuehrerschein" in turn.services
    far = "wie weit weg ist das bürgerbüro"
    assert "ausweis_verlust" not in extract(kb, _msg(far, entities=_gazetteer_entities(kb, far))).services
