"""Personal data never reaches staff screens or training data."""
from __future__ import annotations

import pytest

from assistant.curation.redact import has_placeholder, redact


@pytest.mark.parametrize("text, expected", [
    ("Meine Nummer ist 0171 1234567, bitte zurückrufen", "Meine Nummer ist [Telefon], bitte zurückrufen"),
    ("ruf mich an unter +49 30 23125400.", "ruf mich an unter [Telefon]."),
    ("Telefon: 030/23125-200", "Telefon: [Telefon]"),
    ("Mail: max.mustermann@example.org", "Mail: [E-Mail]"),
    ("IBAN DE89 3704 0044 0532 0130 00 für die Hundesteuer", "IBAN [IBAN] für die Hundesteuer"),
    ("iban de89370400440532013000", "iban [IBAN]"),
    ("ich bin am 12.03.1950 geboren", "ich bin am [Datum] geboren"),
    ("geboren am 3. April 1961 in Berlin", "geboren am [Datum] in Berlin"),
    ("Geburtsdatum 1961-04-03", "Geburtsdatum [Datum]"),
    ("mein Code ist ABC-234", "mein Code ist [Buchungscode]"),
    ("code abc234 stornieren", "code [Buchungscode] stornieren"),
    ("Ich heiße Max Mustermann und brauche einen Ausweis", "Ich heiße [Name] und brauche einen Ausweis"),
    ("mein Name ist Frau Müller, ich wohne in Kleinwalde", "mein Name ist [Name], ich wohne in Kleinwalde"),
    ("ich heisse anna und wohne in auental", "ich heisse [Name] und wohne in auental"),
    ("Mein Name lautet Erika.", "Mein Name lautet [Name]."),
    ("Ich wohne in der Dorfstraße 7 in Kleinwalde", "Ich wohne in der [Adresse] in Kleinwalde"),
    ("Steuer-ID 12345678901", "Steuer-ID [Nummer]"),
])
def test_redacts_personal_data(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Was kostet ein Reisepass?",
    "Perso abgelaufen was brauch ich",
    "Wann hat das Bürgerbüro am Dienstag von 09:00-12:00 offen?",
    "Termin am 12.05. um 14.30 Uhr",
    "Ich bin 78 Jahre alt und mein Ausweis läuft ab",
    "PLZ 06998 Kleinwalde",
    "Das kostet 120 Euro",
    "Personalausweis beantragen 2026",
])
def test_keeps_ordinary_questions(text: str) -> None:
    assert redact(text) == text


def test_empty_and_placeholder_detection() -> None:
    assert redact("") == "" and redact(None) == ""
    assert has_placeholder(redact("Rufen Sie 0171 1234567 an"))
    assert not has_placeholder("Rufen Sie mich an")


def test_several_items_in_one_message() -> None:
    out = redact("Ich heiße Jan Ott, geb. 01.02.1980, Tel 0151 2345678, mail jan@ott.example, Buchung XK7P9Q")
    for secret in ("Jan", "Ott", "1980", "2345678", "jan@ott", "XK7P9Q"):
        assert secret not in out
    for placeholder in ("[Name]", "[Datum]", "[Telefon]", "[E-Mail]", "[Buchungscode]"):
        assert placeholder in out
