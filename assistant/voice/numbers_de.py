"""German number words for speech output: cardinals, ordinals, years, digits (0..999 999)."""
from __future__ import annotations

MAX_NUMBER = 999_999

_ONES: tuple[str, ...] = (
    "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
    "zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
    "achtzehn", "neunzehn",
)
_TENS: tuple[str, ...] = (
    "", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig",
)
# Ordinal stems that are irregular (1..19); the rest take "t" (1..19) or "st" (20 and up).
_ORDINAL_STEMS: dict[int, str] = {1: "erst", 3: "dritt", 7: "siebt", 8: "acht"}

DIGIT_WORDS: tuple[str, ...] = ("null", "eins", "zwo", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")


def _below_hundred(n: int, *, unit_one: str) -> str:
    if n == 1:
        return unit_one
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    if ones == 0:
        return _TENS[tens]
    return ("ein" if ones == 1 else _ONES[ones]) + "und" + _TENS[tens]


def _below_thousand(n: int, *, unit_one: str) -> str:
    hundreds, rest = divmod(n, 100)
    words = ""
    if hundreds:
        words = ("ein" if hundreds == 1 else _ONES[hundreds]) + "hundert"
    if rest:
        words += _below_hundred(rest, unit_one=unit_one)
    return words


def cardinal(n: int) -> str:
    """``n`` in words, e.g. 21 → "einundzwanzig", 1001 → "eintausendeins" (0 ≤ n ≤ 999 999)."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number out of range 0..{MAX_NUMBER}: {n}")
    if n == 0:
        return "null"
    thousands, rest = divmod(n, 1000)
    words = ""
    if thousands:
        words = _below_thousand(thousands, unit_one="ein") + "tausend"
    if rest:
        words += _below_thousand(rest, unit_one="eins")
    return words


def cardinal_attributive(n: int) -> str:
    """Like :func:`cardinal` but 1 → "ein" (before "Uhr" or "Euro": "ein Uhr", "ein Euro")."""
    return "ein" if n == 1 else cardinal(n)


def ordinal(n: int, ending: str = "er") -> str:
    """Ordinal with an adjective ending: ``ordinal(3)`` → "dritter", ``ordinal(24, "en")`` → "vierundzwanzigsten"."""
    if not 1 <= n <= MAX_NUMBER:
        raise ValueError(f"ordinal out of range 1..{MAX_NUMBER}: {n}")
    small = n % 100
    if small == 0 or small >= 20:
        stem = cardinal(n) + "st"
    else:
        prefix = cardinal(n - small) if n >= 100 else ""
        stem = prefix + _ORDINAL_STEMS.get(small, _ONES[small] + "t")
    return stem + ending


def year(n: int) -> str:
    """A year as spoken: 1999 → "neunzehnhundertneunundneunzig", 2026 → "zweitausendsechsundzwanzig"."""
    if 1100 <= n <= 1999:
        century, rest = divmod(n, 100)
        return cardinal(century) + "hundert" + (cardinal(rest) if rest else "")
    return cardinal(n)


def digits(text: str) -> str:
    """Digit by digit, e.g. "0151" → "null eins fünf eins" (uses "zwo" as on the telephone)."""
    return " ".join(DIGIT_WORDS[int(ch)] for ch in text if ch.isdigit())
