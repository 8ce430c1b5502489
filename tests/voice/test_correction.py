"""Post-correction of known terms in transcripts, and the Whisper prompt builder."""
from __future__ import annotations

import pytest


from assistant.voice.correction import cologne_phonetics, correct_terms, fold, levenshtein, match_score
from assistant.voice.lexicon import load_common_words
from assistant.voice.model_files import ensure_model
from assistant.voice.stt import build_initial_prompt
from assistant.voice.vocabulary import default_terms

TERMS = default_terms()


@pytest.fixture(scope="module")
def common_words() -> frozenset[str]:
    """Whole words from the real Whisper vocabulary (the model is assembled if needed)."""
    words = load_common_words(ensure_model() / "vocabulary.txt")
    assert len(words) > 20_000
    return words


@pytest.mark.parametrize(
    ("heard", "fixed"),
    [
        ("Kassonal aus weiß", "Personalausweis"),
        ("Klein Walde", "Kleinwalde"),
        ("klein walde", "Kleinwalde"),
        ("Klein-Walde", "Kleinwalde"),
        ("Eichen Brück", "Eichenbrück"),
        ("Eichenbrügg", "Eichenbrück"),
        ("Auenthal", "Auental"),
        ("Auntal", "Auental"),
        ("Musterstatt", "Musterstadt"),
        ("Bürger Mobil", "Bürgermobil"),
        ("Buergermobil", "Bürgermobil"),
        ("Führungs Zeugnis", "Führungszeugnis"),
        ("Hunde Steuer", "Hundesteuer"),
        ("kfz zulassung", "Kfz-Zulassung"),
        ("KFZ-Zulassung", "Kfz-Zulassung"),
        ("personalausweis", "Personalausweis"),
        ("Umeldung", "Ummeldung"),
        ("Sperr Müll", "Sperrmüll"),
        ("Zulassungstelle", "Zulassungsstelle"),
    ],
)
def test_near_misses_are_snapped(heard: str, fixed: str, common_words: frozenset[str]) -> None:
    assert correct_terms(heard, TERMS) == fixed
    assert correct_terms(heard, TERMS, common_words) == fixed


@pytest.mark.parametrize(
    "ordinary",
    [
        "Ich will mich ummelden.",
        "Ich brauche einen neuen Ausweis.",
        "Das Personal ist sehr freundlich.",
        "Wir haben zwei Reisepässe verloren.",
        "Darf ich in kleinen Wäldern Bäume fällen?",
        "Die kleine Wälder sind schön.",
        "Wie hoch sind die Hundesteuern?",
        "Meine Hunde bellen.",
        "Die Meldung kam gestern.",
        "Die Stadt ist groß.",
        "Der Lindenbaum blüht.",
        "Die Heide blüht, überall Heidekraut.",
        "Ich habe einen Fahrschein gekauft.",
        "Meine Kinder gehen zur Schule.",
        "Der Aufenthalt war kurz.",
        "Wann öffnen die Bürgerbüros?",
        "Ein neuer Dorfladen hat eröffnet.",
        "Wie lange dauert es?",
        "Ich wohne im Wald.",
        "Muster für den Antrag",
        "Kinderreisepässe werden nicht mehr ausgestellt.",
        "Darf ich den Baum fällen?",
        "Ich möchte mich einbürgern lassen.",
        "Die Musterstädte sind erfunden.",
    ],
)
def test_ordinary_words_are_kept(ordinary: str, common_words: frozenset[str]) -> None:
    assert correct_terms(ordinary, TERMS) == ordinary
    assert correct_terms(ordinary, TERMS, common_words) == ordinary


def test_opposite_meanings_are_never_swapped() -> None:
    terms = ["Gewerbeanmeldung", "Anwohnerparkausweis", "Ummeldung"]
    for text in ("Gewerbeabmeldung", "Gewerbe abmelden", "Bewohnerparkausweis", "Abmeldung", "Anmeldung"):
        assert correct_terms(text, terms) == text
    # With both terms known, each keeps its own spelling.
    both = ["Gewerbeanmeldung", "Gewerbeabmeldung"]
    assert correct_terms("Gewerbeabmeldung und Gewerbe Anmeldung", both) == "Gewerbeabmeldung und Gewerbeanmeldung"


def test_common_words_protect_real_words(common_words: frozenset[str]) -> None:
    text = "Ich brauche eine Erste-Hilfe-Bescheinigung."
    assert correct_terms(text, ["Meldebescheinigung"], common_words) == text
    assert correct_terms("Kassonal aus weiß", ["Personalausweis"], common_words) == "Personalausweis"


def test_sentence_context_and_punctuation_are_kept() -> None:
    heard = "Ich brauche einen neuen Kassonal aus weiß. Wann hat das Bürger Büro in Klein Walde auf?"
    assert correct_terms(heard, TERMS) == (
        "Ich brauche einen neuen Personalausweis. Wann hat das Bürgerbüro in Kleinwalde auf?"
    )
    # A window never spans sentence punctuation.
    assert correct_terms("Er ist klein. Walde heißt er.", TERMS) == "Er ist klein. Walde heißt er."


def test_no_terms_or_text() -> None:
    assert correct_terms("Klein Walde", []) == "Klein Walde"
    assert correct_terms("", TERMS) == ""


def test_scores() -> None:
    assert match_score("Klein Walde", "Kleinwalde") == 1.0
    assert match_score("ummelden", "Ummeldung") is None
    assert match_score("in Klein Walde", "Kleinwalde") is None  # function word at the edge
    assert match_score("Perso", "Perso") == 1.0
    assert match_score("Pers", "Perso") is None  # short terms: exact only
    score = match_score("Kassonal aus weiß", "Personalausweis")
    assert score is not None and 0.78 <= score < 1.0


def test_helpers() -> None:
    assert fold("Bürger-Mobil") == fold("buerger mobil") == "buergermobil"
    assert fold("Musterstatt") == "musterstat"
    assert cologne_phonetics("Müller-Lüdenscheidt") == "65752682"
    assert cologne_phonetics("Meier") == cologne_phonetics("Mayr") == "67"
    assert levenshtein("kitten", "sitting") == 3


def test_initial_prompt_is_deduplicated_and_capped() -> None:
    assert build_initial_prompt([]) == ""
    assert build_initial_prompt(["Personalausweis", "personalausweis", " ", "Klein  walde"]) == (
        "Personalausweis, Klein walde."
    )
    prompt = build_initial_prompt(TERMS, max_chars=80)
    assert len(prompt) <= 80
    assert prompt.endswith(".")
    assert prompt.startswith(TERMS[0])
    assert all(part.strip(".") in TERMS for part in prompt.split(", "))  # no term cut in the middle


# ---- phonetic near-misses, weekdays and sound-alikes (issue 14): correct_transcript ----

from assistant.voice.correction import correct_transcript, correct_weekdays  # noqa: E402


@pytest.fixture(scope="module")
def kb_terms() -> list[str]:
    from assistant.kb.loader import load_kb
    from assistant.voice.kb_terms import terms_from_kb
    from tests.conftest import ROOT

    return terms_from_kb(load_kb(ROOT / "kb"))


@pytest.mark.parametrize(
    ("heard", "fixed"),
    [
        ("Wann ist das Bürgermobil am Bundestag in Eichenbrück?", "Wann ist das Bürgermobil am Donnerstag in Eichenbrück?"),
        ("Kommt das Bürgermobil nach Aundahl?", "Kommt das Bürgermobil nach Auental?"),
        ("Ich brauche eine Geburt zur Kunde für mein Kind.", "Ich brauche eine Geburtsurkunde für mein Kind."),
        ("Kann ich mit der Sache bearbeiterin sprechen?", "Kann ich mit der Sachbearbeiterin sprechen?"),
        ("Wir haben ein Barbö bekommen.", "Wir haben ein Baby bekommen."),
        ("Geht das auch bis Freitach?", "Geht das auch bis Freitag?"),
        ("Ich brauche eine Sterbe Urkunde.", "Ich brauche eine Sterbeurkunde."),
    ],
)
def test_phonetic_near_misses_are_snapped(heard: str, fixed: str, kb_terms, common_words) -> None:
    assert correct_transcript(heard, kb_terms, common_words) == fixed


@pytest.mark.parametrize(
    "correct",
    [
        "Der Bundestag hat ein neues Gesetz beschlossen.",   # no time context: stays
        "Hat das Rathaus am Feiertag geöffnet?",              # a real day word
        "Ich habe am Geburtstag frei.",
        "Am Dienstag um 9 Uhr passt mir gut.",
        "Die Geburt war im Krankenhaus.",
        "Ich habe eine Sache zu klären.",
        "Der Kunde ist König.",
        "Kommt der Bus nach Auental?",
        "Ich wohne in Kleinwalde und arbeite am Vormittag.",
        "Ich will mein Gewerbe abmelden.",
        "Wie beantrage ich die Briefwahl für die Wahl im September?",  # sounds like "Bauantrag"
    ],
)
def test_correct_text_is_left_alone(correct: str, kb_terms, common_words) -> None:
    assert correct_transcript(correct, kb_terms, common_words) == correct


def test_weekdays_only_after_a_time_word() -> None:
    assert correct_weekdays("nächsten Mitwoch") == "nächsten Mittwoch"
    assert correct_weekdays("Bundestag") == "Bundestag"
