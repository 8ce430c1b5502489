"""Situation answers (moving within Germany, a dog's Abmeldung, certificates by post), accessibility
remedies, stop-aware office answers and button titles. Expectations come from the knowledge base."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant import formatting
from assistant.answers import offices, services
from assistant.answers.context import Context
from assistant.answers.reply import Button, payload
from assistant.answers.situations import special_answer
from assistant.kb import hours as H
from assistant.kb.loader import load_kb

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def kb():
    return load_kb(ROOT / "kb")


def ctx(kb, **kw) -> Context:
    return Context(kb=kb, now=NOW, tz=TZ, **kw)


@pytest.mark.parametrize("text, service, municipality", [
    ("Wir ziehen von Musterstadt nach Kleinwalde, müssen wir uns in Musterstadt abmelden?", "wohnsitz_abmelden",
     "musterstadt"),
    ("Muss ich mich in Auental abmelden, wenn ich nach Musterstadt ziehe?", None, "auental"),
    ("Ich ziehe innerhalb Deutschlands um, muss ich mich abmelden?", "wohnsitz_abmelden", None),
])
def test_moving_within_germany_needs_no_abmeldung(kb, text, service, municipality):
    reply = special_answer(ctx(kb, service=service, municipality=municipality), text)
    assert reply is not None
    assert reply.text.startswith("Nein") and "§ 17 BMG" in reply.text
    assert "ins Ausland" in reply.text and "Nebenwohnung" in reply.text
    assert all(kb.offices[o].name not in reply.text for o in ("musterstadt_buergerbuero",))


def test_moving_within_germany_names_where_to_register(kb):
    reply = special_answer(ctx(kb, service="wohnsitz_abmelden", municipality="musterstadt"),
                           "Wir ziehen von Musterstadt nach Kleinwalde, müssen wir uns in Musterstadt abmelden?")
    assert "in Kleinwalde an" in reply.text
    office_button = next(b for b in reply.buttons if isinstance(b, Button) and "ask_office" in b.payload)
    assert office_button.payload == payload("ask_office", service="wohnsitz_anmelden", place="Kleinwalde")


@pytest.mark.parametrize("text", [
    "Ich ziehe nach Spanien, muss ich mich abmelden?",
    "Wo kann ich mich abmelden?",
])
def test_abroad_or_plain_question_keeps_the_abmeldung_answer(kb, text):
    assert special_answer(ctx(kb, service="wohnsitz_abmelden", municipality="musterstadt"), text) is None


@pytest.mark.parametrize("text, service", [
    ("Mein Hund ist gestorben, muss ich den abmelden?", "hund_anmelden"),
    ("mein hund ist gestorben muss ich das irgendwo melden", None),
    ("Wir haben unseren Hund abgegeben, muss ich die Hundesteuer abmelden?", "hund_anmelden"),
])
def test_dog_that_died_reaches_hund_abmelden_with_the_local_office(kb, text, service):
    c = ctx(kb, service=service, municipality="auental")
    reply = special_answer(c, text)
    assert reply is not None and c.service == "hund_abmelden"
    office = kb.offices[kb.municipalities["auental"].services["hund_abmelden"].office]
    assert office.name in reply.text and "Brief oder E-Mail" in reply.text
    assert "2 Wochen" in reply.text


def test_new_dog_is_not_an_abmeldung(kb):
    assert special_answer(ctx(kb, service="hund_anmelden", municipality="auental"),
                          "Wir haben einen Hund bekommen, was muss ich tun?") is None


def test_certificate_by_post_instead_of_appointment(kb):
    reply = services.online(ctx(kb, service="geburtsurkunde", municipality="auental"))
    assert "Sie müssen nicht hingehen" in reply.text and "E-Mail" in reply.text
    assert "Termin buchen?" not in reply.text
    assert kb.offices["musterstadt_standesamt"].email in reply.text


def test_ewa_needs_bundid_and_online_id_and_names_what_does_not_work(kb):
    reply = services.online(ctx(kb, service="wohnsitz_anmelden", municipality="auental"))
    assert "BundID" in reply.text and " und Ihren Personalausweis" in reply.text
    for what in ("Nebenwohnung", "Ausland", "eAT"):
        assert what in reply.text


def test_standesamt_accessibility_includes_the_remedy(kb):
    reply = offices.directions(ctx(kb, service="eheschliessung", municipality="musterstadt"))
    assert "nicht stufenlos" in reply.text
    assert "rufen Sie bitte vorher an" in reply.text and "Erdgeschoss" in reply.text


def test_office_answer_names_the_stop_and_its_next_date(kb):
    reply = offices.office(ctx(kb, service="reisepass", municipality="auental"))
    stop = kb.offices["buergermobil_lindenau"]
    nxt = H.next_opening(stop.hours, NOW, TZ, "ST")
    assert "Feuerwehrhaus Lindenau" in reply.text and "Am Spritzenhaus 1" in reply.text
    assert formatting.date_medium(nxt.start.date()) in reply.text
    assert "Schlossplatz" not in reply.text


def test_mobile_service_without_place_lists_its_stops(kb):
    reply = offices.office(ctx(kb, office_id="buergermobil"))
    assert "Haltestellen:" in reply.text and "Feuerwehrhaus Lindenau (Auental)" in reply.text


def test_button_titles_are_cut_at_word_boundaries():
    title = Button("Unterlagen: Auto zulassen oder umschreiben", "/x").to_rasa()["title"]
    assert title == "Unterlagen: Auto zulassen…"
    assert len(title) <= 40
    assert formatting.shorten("kurz", 40) == "kurz"
    assert formatting.shorten("Donaudampfschifffahrtsgesellschaftskapitän", 12) == "Donaudampfs…"


def test_life_event_buttons_are_not_cut_mid_word(kb):
    from assistant.answers.life_events import answer

    reply = answer(kb, "auto", "auental")
    for b in reply.buttons:
        title = b.to_rasa()["title"]
        words = title.rstrip("…").split()
        assert all(any(w in full for full in [s.short_name for s in kb.services.values()] + ["Unterlagen:"])
                   for w in words), title


@pytest.mark.parametrize("text, slug, must", [
    ("Ich habe eine Zweitwohnung in Kleinwalde, muss ich die anmelden?", "wohnsitz_anmelden", "§§ 21, 22 BMG"),
    ("Ich gebe meine Nebenwohnung auf, muss ich mich abmelden?", "wohnsitz_abmelden", "Meldebehörde Ihrer Hauptwohnung"),
])
def test_secondary_residence_is_explained(kb, text, slug, must):
    c = ctx(kb, municipality="kleinwalde")
    reply = special_answer(c, text)
    assert reply is not None and c.service == slug and must in reply.text


def test_a_person_who_died_after_a_dog_question_is_not_a_dog(kb):
    assert special_answer(ctx(kb, service="hund_anmelden", municipality="auental"),
                          "Meine Mutter ist gestorben, was muss ich tun?") is None
