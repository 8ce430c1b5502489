"""Text normalisation for speech output."""
from __future__ import annotations

import pytest

from assistant.voice.normalize import normalize_for_speech as norm


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Mo. geschlossen", "Montag geschlossen."),
        ("Di., Mi. und Do.", "Dienstag, Mittwoch und Donnerstag."),
        ("Fr. und Sa. sowie So. zu", "Freitag und Samstag sowie Sonntag zu."),
        ("Mo.–Fr. 8:00–12:00 Uhr", "Montag bis Freitag von acht bis zwölf Uhr."),
        ("Mo-Fr 8-12 Uhr", "Montag bis Freitag von acht bis zwölf Uhr."),
        ("Mo 8–12 Uhr, Di, Do 13:30–17:00", "Montag von acht bis zwölf Uhr, Dienstag, Donnerstag von dreizehn Uhr dreißig bis siebzehn Uhr."),
        ("z. B. ein Foto", "zum Beispiel ein Foto."),
        ("z.B. ein Foto", "zum Beispiel ein Foto."),
        ("ggf. mit Vollmacht", "gegebenenfalls mit Vollmacht."),
        ("Zimmer Nr. 12", "Zimmer Nummer zwölf."),
        ("ca. 2 Wochen", "circa zwei Wochen."),
        ("Pass bzw. Ausweis", "Pass beziehungsweise Ausweis."),
        ("u. a. Fotos", "unter anderem Fotos."),
        ("Hauptstr. 5 und Lindenstr. 7", "Hauptstraße fünf und Lindenstraße sieben."),
        ("Goethe Str. 1", "Goethe Straße eins."),
        ("Fr. Schulze hilft", "Frau Schulze hilft."),
    ],
)
def test_abbreviations(text: str, spoken: str) -> None:
    assert norm(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("um 8:30", "um acht Uhr dreißig."),
        ("um 8:30 Uhr", "um acht Uhr dreißig."),
        ("um 8:00 Uhr", "um acht Uhr."),
        ("um 8 Uhr", "um acht Uhr."),
        ("um 1 Uhr", "um ein Uhr."),
        ("um 8.30 Uhr", "um acht Uhr dreißig."),
        ("um 14:05", "um vierzehn Uhr fünf."),
        ("8:00–12:00", "von acht bis zwölf Uhr."),
        ("8:00 - 12:00 Uhr", "von acht bis zwölf Uhr."),
        ("8:30–12:00", "von acht Uhr dreißig bis zwölf Uhr."),
        ("von 8:00 bis 12:30 Uhr", "von acht Uhr bis zwölf Uhr dreißig."),
        ("geöffnet von 9–11 Uhr", "geöffnet von neun bis elf Uhr."),
    ],
)
def test_times(text: str, spoken: str) -> None:
    assert norm(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("24.12.2026", "vierundzwanzigster Dezember zweitausendsechsundzwanzig."),
        ("Freitag, 1.3.2026", "Freitag, erster März zweitausendsechsundzwanzig."),
        ("am 24.12.2026 um 8:30", "am vierundzwanzigsten Dezember zweitausendsechsundzwanzig um acht Uhr dreißig."),
        ("bis zum 03.10.", "bis zum dritten Oktober."),
        ("am 3. März 2026", "am dritten März zweitausendsechsundzwanzig."),
        ("seit 1999", "seit neunzehnhundertneunundneunzig."),
    ],
)
def test_dates(text: str, spoken: str) -> None:
    assert norm(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Tel. 03391 45678", "Telefon null drei drei neun eins, vier fünf sechs sieben acht."),
        ("Rufen Sie 0151 2345678 an.", "Rufen Sie null eins fünf eins, zwo drei vier, fünf sechs, sieben acht an."),
        ("Fax: 03391/456-78", "Fax: null drei drei neun eins, vier fünf sechs, sieben acht."),
        ("+49 3391 45678", "plus vier neun, drei drei neun eins, vier fünf sechs sieben acht."),
    ],
)
def test_phone_numbers(text: str, spoken: str) -> None:
    assert norm(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("46,00 €", "sechsundvierzig Euro."),
        ("22,80 EUR", "zweiundzwanzig Euro achtzig."),
        ("1,00 €", "ein Euro."),
        ("0,50 €", "fünfzig Cent."),
        ("1.234,50 €", "eintausendzweihundertvierunddreißig Euro fünfzig."),
        ("€ 13", "dreizehn Euro."),
        ("37,- Euro", "siebenunddreißig Euro."),
        ("Die Gebühr beträgt 37 Euro.", "Die Gebühr beträgt siebenunddreißig Euro."),
    ],
)
def test_money(text: str, spoken: str) -> None:
    assert norm(text) == spoken


def test_links_and_email() -> None:
    assert norm("Termine unter https://termine.musterland.de/buchen.") == "Termine unter dem Link in der Nachricht."
    assert norm("Siehe www.musterland.de") == "Siehe den Link in der Nachricht."
    assert norm("Öffnen Sie musterland.de/formulare") == "Öffnen Sie den Link in der Nachricht."
    assert norm("Schreiben Sie an buergerbuero@musterland.de") == (
        "Schreiben Sie an die E-Mail-Adresse in der Nachricht."
    )
    assert norm("[Hier buchen](https://termine.musterland.de)") == "Hier buchen."
    assert "http" not in norm("Mehr: <https://example.org/a?b=1>")


def test_markdown_bullets_and_emojis() -> None:
    text = "## Was Sie brauchen 📋\n- **Personalausweis** 🪪\n* ein _aktuelles_ Foto 😀\n1. Termin buchen ✅\n\n> Hinweis: `wichtig`"
    assert norm(text) == (
        "Was Sie brauchen. Personalausweis. ein aktuelles Foto. Termin buchen. Hinweis: wichtig."
    )


def test_misc_symbols_and_numbers() -> None:
    assert norm("5 % Rabatt nach § 3") == "fünf Prozent Rabatt nach Paragraf drei."
    assert norm("Sie & ich") == "Sie und ich."
    assert norm("2,5 Stunden") == "zwei Komma fünf Stunden."
    assert norm("1 Woche, 1 Antrag, Seite 1") == "eine Woche, ein Antrag, Seite eins."
    assert norm("1.500 Einwohner") == "eintausendfünfhundert Einwohner."
    assert norm("Kfz-Zulassung") == "KFZ-Zulassung."
    assert norm("Kita/Krippe") == "Kita oder Krippe."


def test_ordinary_text_unchanged() -> None:
    text = "So, das war's. Wann möchten Sie vorbeikommen?"
    assert norm(text) == text
    assert norm("") == ""
    assert norm("😀🎉") == ""
