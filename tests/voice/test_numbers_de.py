"""German number words."""
from __future__ import annotations

import pytest

from assistant.voice.numbers_de import cardinal, cardinal_attributive, digits, ordinal, year


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "null"), (1, "eins"), (11, "elf"), (16, "sechzehn"), (17, "siebzehn"), (21, "einundzwanzig"),
        (30, "dreißig"), (46, "sechsundvierzig"), (70, "siebzig"), (100, "einhundert"), (101, "einhunderteins"),
        (999, "neunhundertneunundneunzig"), (1000, "eintausend"), (1234, "eintausendzweihundertvierunddreißig"),
        (2026, "zweitausendsechsundzwanzig"), (21000, "einundzwanzigtausend"),
        (999999, "neunhundertneunundneunzigtausendneunhundertneunundneunzig"),
    ],
)
def test_cardinal(number: int, words: str) -> None:
    assert cardinal(number) == words


def test_cardinal_range() -> None:
    with pytest.raises(ValueError):
        cardinal(1_000_000)
    with pytest.raises(ValueError):
        cardinal(-1)


@pytest.mark.parametrize(
    ("number", "ending", "words"),
    [
        (1, "er", "erster"), (3, "er", "dritter"), (7, "er", "siebter"), (8, "er", "achter"),
        (12, "en", "zwölften"), (19, "er", "neunzehnter"), (20, "er", "zwanzigster"),
        (24, "er", "vierundzwanzigster"), (31, "en", "einunddreißigsten"), (101, "er", "einhunderterster"),
    ],
)
def test_ordinal(number: int, ending: str, words: str) -> None:
    assert ordinal(number, ending) == words


def test_year_digits_attributive() -> None:
    assert year(1999) == "neunzehnhundertneunundneunzig"
    assert year(2026) == "zweitausendsechsundzwanzig"
    assert digits("03391") == "null drei drei neun eins"
    assert digits("2") == "zwo"
    assert cardinal_attributive(1) == "ein"
