"""Is a message German? A cheap heuristic (no model): script, letters and function words.

Used to send questions in other languages (English, Ukrainian, Russian, Turkish, Arabic, ...)
to the multilingual semantic layer, whose cost is then paid only where it is needed.
"""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_GERMAN = frozenset("""
ich du er sie es wir ihr mein meine meinen meinem meiner dein unser der die das den dem des ein eine einen einem
einer und oder aber nicht kein keine ist sind bin hat habe hab haben wird werden kann können muss müssen will
möchte brauche brauch wie was wo wann wer warum welche welcher welches für mit von vom zum zur im in auf aus bei
beim nach über auch noch schon bitte danke hallo guten tag ja nein mal gibt geht man sich dass wenn
""".split())
_ENGLISH = frozenset("""
the a an i my me you your is are am do does did can could would should what how where when who which why much many
to for of with in on at from it this that there have has need want get please thank thanks hello hi
""".split())
_TURKISH_LETTERS = set("ışğİŞĞ")
_TURKISH = frozenset("ve bir için ne mi mı mu mü nasıl kaç nerede hangi var yok ben benim bu şu lazım istiyorum".split())


def is_german(text: str) -> bool:
    """True unless the text is clearly in another language (other script or other function words)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.6:
        return False
    if any(ch in _TURKISH_LETTERS for ch in text):
        return False
    words = {w.lower() for w in _WORD.findall(text)}  # distinct: "ne ne" is German "nee nee"
    de = len(words & _GERMAN)
    other = len(words & _ENGLISH) + len(words & _TURKISH)
    return not (other >= 2 and other > de)
