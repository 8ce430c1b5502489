"""The KB gazetteer's matching (nlu_components.matching), on the vocabulary generated from kb/."""
from __future__ import annotations

import pytest

from assistant.kb.nlu import gazetteer_vocabulary
from nlu_components.matching import Gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    from assistant.kb.loader import load_kb
    from tests.conftest import ROOT

    kb = load_kb(ROOT / "kb")
    return Gazetteer(gazetteer_vocabulary(kb))


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


def services(g: Gazetteer, text: str) -> list[str]:
    return [e["value"] for e in g.find(text) if e["entity"] == "service"]


@pytest.mark.parametrize("text, expected", [
    # the verb actually used decides an-/ab-/ummelden, also separable and with the object far away
    ("Ich ziehe nach Kleinwalde, welche Papiere brauche ich fürs Anmelden?", "wohnsitz_anmelden"),
    ("Kann ich mein Gewerbe von zuhause aus anmelden?", "gewerbe_anmelden"),
    ("Ich will mein Moped abmelden", "kfz_abmeldung"),
    ("Wie melde ich mein Auto ab?", "kfz_abmeldung"),
    ("Meine Frau meldet ihr Kleingewerbe ab, geht das online?", "gewerbe_abmelden"),
    ("Wie melde ich mich ab, wenn ich nach Spanien ziehe?", "wohnsitz_abmelden"),
    ("Ich melde mich in Auental an", "wohnsitz_anmelden"),
    ("muss ich mich nach dem Umzug innerhalb der Gemeinde ummelden", "wohnsitz_anmelden"),
    ("Ich lege den Wohnwagen über den Winter still", "kfz_abmeldung"),
    ("Wir melden unsere Tochter in der Kita an", "kita_platz"),
    ("Sperrmüll anmelden, wie geht das", "sperrmuell"),
    ("Gewerbeabmeldung was kostet das", "gewerbe_abmelden"),
    ("Auto anmelden", "kfz_zulassung"),
    # office names that imply the service
    ("öffnungszeiten zulassungsstelle", "kfz_zulassung"),
    ("wo ist die führerscheinstelle", "fuehrerschein"),
    # colloquial words from the catalogue
    ("wo tausch ich meinen rosa Lappen um", "fuehrerschein"),
    ("wie werd ich mein altes Sofa los", "sperrmuell"),
    ("Ich habe einen Geldbeutel gefunden", "fundsache"),
    ("muss ich meinen Kampfhund extra anmelden", "hund_anmelden"),
    ("Unsere Tochter ist gestern geboren, welche Urkunden brauchen wir?", "geburtsurkunde"),
])
def test_service_from_the_sentence(gazetteer, text, expected):
    assert services(gazetteer, text)[:1] == [expected]


@pytest.mark.parametrize("text", [
    "wie komme ich ohne Auto nach Musterstadt",
    "Ich habe kein Auto, fährt ein Bus zum Rathaus?",
    "wie komm ich mit dem Bürgerbus nach Kleinwalde",
    "Fährt der Rufbus auch sonntags?",
    "Ich brauche keinen neuen Pass, nur eine Auskunft",
    "Kein Hund, keine Katze - ich will nur wissen, wann das Rathaus offen hat",
    "Keine Anmeldung, keine Abmeldung, nur eine Frage zum Bus",
    "Wo ist der Sportplatz?",
])
def test_negated_or_transport_mentions_are_no_service(gazetteer, text):
    assert services(gazetteer, text) == []


@pytest.mark.parametrize("text, expected", [
    ("Ich habe noch keinen Kitaplatz, was soll ich tun?", "kita_platz"),   # still wanting one
    ("Ich habe keinen Personalausweis mehr, er ist weg", "personalausweis"),
    ("Anmeldung vom Auto", "kfz_zulassung"),
])
def test_mentions_that_stay_services(gazetteer, text, expected):
    assert expected in services(gazetteer, text)


def test_typo_tolerance_never_swaps_a_prefix(gazetteer):
    assert services(gazetteer, "Gewerbeanmeldung") == ["gewerbe_anmelden"]
    assert "wohnsitz_abmelden" not in services(gazetteer, "fürs anmelden")


@pytest.mark.parametrize("text", [
    "Kann man den Saal für eine Geburtstagsfeier mieten?",   # compound about a party, not a birth
    "Mein Auto ist in der Werkstatt, fährt ein Bus zum Rathaus?",
    "Ich komme mit dem Auto, wo kann ich parken?",
])
def test_compounds_and_travel_are_no_service(gazetteer, text):
    assert services(gazetteer, text) == []


def test_service_compounds_with_a_generic_tail_stay(gazetteer):
    assert services(gazetteer, "Personalausweisantrag") == ["personalausweis"]
    assert services(gazetteer, "Sperrmülltermin") == ["sperrmuell"]
    assert services(gazetteer, "Ich will mein Auto anmelden, wie komme ich hin?") == ["kfz_zulassung"]


@pytest.mark.parametrize("text, expected", [
    # loss: an identity document with a loss word is about the loss
    ("Mein Pass ist weg und ich fliege morgen", "ausweis_verlust"),
    ("Mir haben sie den Perso geklaut", "ausweis_verlust"),
    ("ich habe nur die Verlustanzeige und eine Kopie vom Ausweis", "ausweis_verlust"),
    # family verbs: opening or closing a business, getting a dog
    ("Wir wollen ein Café eröffnen", "gewerbe_anmelden"),
    ("ich mache meinen Kiosk zum Jahresende zu", "gewerbe_abmelden"),
    ("ich geb meine Firma in Auental auf", "gewerbe_abmelden"),
    ("wir haben einen Welpen gekauft, was kostet die Marke", "hund_anmelden"),
    # tree species name the tree
    ("darf ich die Eiche am Zaun wegmachen", "baumfaellung"),
])
def test_sentence_rules_pick_the_service(gazetteer, text, expected):
    assert services(gazetteer, text)[:1] == [expected]


def test_loss_needs_the_loss_in_the_same_clause(gazetteer):
    assert services(gazetteer, "ich ziehe weg, brauche ich einen neuen Ausweis") == ["personalausweis"]
    both = services(gazetteer, "mein Perso wurde gestohlen, den Reisepass hab ich noch")
    assert both[0] == "ausweis_verlust" and "reisepass" in both


def test_registration_after_a_purpose_word_is_kept_beside_a_document(gazetteer):
    assert "wohnsitz_anmelden" in services(gazetteer, "ich hab Ausweis und Mietvertrag, reicht das fürs Ummelden")
    # without a purpose word the document stays the only service
    assert services(gazetteer, "Personalausweis und Anmeldung") == ["personalausweis"]


def test_online_id_is_the_means_beside_another_service(gazetteer):
    assert services(gazetteer, "Kann ich mit der Online-Ausweisfunktion mein Auto zulassen?") == ["kfz_zulassung"]
    assert services(gazetteer, "Online-Ausweis beantragen") == ["personalausweis"]


def test_life_event_words_give_way_to_a_concrete_service(gazetteer):
    assert services(gazetteer, "Opa ist gestorben, wie melde ich sein Auto ab") == ["kfz_abmeldung"]
    assert services(gazetteer, "Oma ist gestorben") == ["sterbefall"]


def test_shop_words_alone_are_no_business_registration(gazetteer):
    assert services(gazetteer, "wann hat der Laden im Dorf auf") == []
    assert services(gazetteer, "Lindenau und Birkenhain, wann kommt der Bus") == []


def test_registration_noun_before_another_service_is_that_service(gazetteer):
    assert services(gazetteer, "Was brauche ich für die Anmeldung zur Kita?") == ["kita_platz"]


@pytest.mark.parametrize("text, event", [
    ("ist gestorben", True), ("Baby", True), ("heiraten", True),
    ("Sterbeurkunde", False), ("Kindergeld", False), ("Hund anmelden", False),
])
def test_event_mentions(text, event):
    from nlu_components.service_rules import is_event_mention

    assert is_event_mention(text) is event
