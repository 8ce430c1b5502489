"""Snap near-misses of known terms in a transcript to their correct spelling.

Whisper splits or mishears rare compounds and place names ("Klein Walde", "Kassonal aus weiß").
:func:`correct_terms` looks at windows of one to four consecutive words and replaces a window by
a known term when

* the window, joined without spaces and hyphens, equals the term (case, umlaut spelling and
  doubled letters ignored): "Klein Walde" → "Kleinwalde", "kfz zulassung" → "Kfz-Zulassung"; or
* the window is a close miss: at most one edit per five letters, the start or the end of the
  term intact for at least half its length, similar spelling and sound (Kölner Phonetik) and
  comparable length.

The fuzzy rule is deliberately conservative. It never fires for

* short terms (< 6 letters: exact matches only);
* inflected or derived forms of the term ("ummelden"/"Ummeldung", "Reisepässe"/"Reisepass");
* a word contained in the term ("Meldung" in "Ummeldung");
* a swap of a meaning-bearing prefix ("Gewerbeabmeldung" is not "Gewerbeanmeldung");
* windows that start or end with a function word ("in Klein Walde" keeps its "in");
* windows holding a real word that is not part of the term ("Erste-Hilfe-Bescheinigung" is not
  "Meldebescheinigung") when the caller passes ``common_words`` (see :mod:`assistant.voice.lexicon`);
  a word counts as part of the term also without a German linking "e" ("Sache bearbeiterin" →
  "Sachbearbeiterin").

A second, phonetic rule catches mishearings whose spelling is far off but whose sound is the same:
a single capitalised word (a name or noun in Whisper's spelling) that is no real word, starts with
the term's letter and has the same Kölner Phonetik code ("Aundahl" → "Auental"; "beantrage" stays,
though it sounds like "Bauantrag"). :func:`correct_transcript` adds two more passes:

* weekdays in a time context ("am Bundestag" → "am Donnerstag", "bis Freitach" → "bis Freitag"),
  never touching real day words ("am Feiertag", "am Geburtstag");
* a small table of known sound-alikes for words that German spelling rules cannot derive
  (English loans: "Barbö" → "Baby"), see :data:`assistant.voice.vocabulary.SOUNDS_LIKE`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import AbstractSet, Iterable, Optional, Sequence

MAX_WINDOW = 4
MIN_FUZZY_LENGTH = 6
ANCHOR_SHARE = 0.5
MIN_ANCHOR = 4
MIN_SPELLING = 0.7
MIN_SCORE = 0.78
LENGTH_RATIO = (0.8, 1.25)
INFLECTION_ENDINGS = frozenset({"e", "en", "n", "s", "es", "er", "ern", "em", "ens", "nen"})
# Word parts that flip the meaning ("an-"/"abmelden"): a fuzzy match never swaps one for another.
CONTRAST_PREFIXES: tuple[str, ...] = ("an", "ab", "um", "aus", "ein", "auf", "zu", "be", "ver", "ent", "vor", "nach")
# A fuzzy window never starts or ends with one of these ("in Klein Walde" must not become "Kleinwalde").
EDGE_STOPWORDS = frozenset(
    """in im am an auf aus bei beim zum zur der die das den dem des ein eine einen einem einer und oder
    nach von vom mit für zu ich du er sie es wir ihr mein meine meinen meinem mich mir sich ist bin sind
    war hat habe haben wird werden nicht kein keine wo wie was wann wer ob dass so auch noch schon nur
    bitte da dort hier neue neuen neuer""".split()
)

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# A window may only span whitespace or hyphens between its words (never sentence punctuation).
_JOINABLE_GAP = re.compile(r"^[\s\-‐–]*$")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "á": "a", "à": "a"})


def fold_plain(text: str) -> str:
    """Like :func:`fold` but umlauts become plain vowels ("Pässe", "Paesse" → "pase"), for inflection checks."""
    text = text.lower().replace("ä", "a").replace("ö", "o").replace("ü", "u")
    return fold(text.replace("ae", "a").replace("oe", "o").replace("ue", "u"))


def fold(text: str) -> str:
    """Comparison form: lower case, umlauts spelled out, no spaces/hyphens, doubled letters single."""
    text = re.sub(r"[^a-z0-9]", "", text.lower().translate(_FOLD))
    return re.sub(r"(.)\1+", r"\1", text)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cologne_phonetics(text: str) -> str:
    """Kölner Phonetik code of ``text`` (a German sound-alike key, e.g. "Meier" → "67")."""
    word = re.sub(r"[^a-z]", "", text.lower().replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "s"))
    codes: list[str] = []
    for i, ch in enumerate(word):
        prev = word[i - 1] if i > 0 else ""
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if ch in "aeijouy":
            code = "0"
        elif ch == "h":
            code = ""
        elif ch == "b":
            code = "1"
        elif ch == "p":
            code = "3" if nxt == "h" else "1"
        elif ch in "dt":
            code = "8" if nxt in ("c", "s", "z") else "2"
        elif ch in "fvw":
            code = "3"
        elif ch in "gkq":
            code = "4"
        elif ch == "c":
            if i == 0:
                code = "4" if nxt in tuple("ahkloqrux") else "8"
            else:
                code = "8" if prev in ("s", "z") or nxt not in tuple("ahkoqux") else "4"
        elif ch == "x":
            code = "8" if prev in ("c", "k", "q") else "48"
        elif ch == "l":
            code = "5"
        elif ch in "mn":
            code = "6"
        elif ch == "r":
            code = "7"
        else:  # s, z
            code = "8"
        codes.append(code)
    collapsed: list[str] = []
    for code in "".join(codes):
        if not collapsed or collapsed[-1] != code:
            collapsed.append(code)
    if not collapsed:
        return ""
    return collapsed[0] + "".join(c for c in collapsed[1:] if c != "0")


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True)
class _Term:
    text: str
    folded: str
    phonetic: str


@lru_cache(maxsize=64)
def _prepare(terms: tuple[str, ...]) -> tuple[_Term, ...]:
    seen: set[str] = set()
    prepared: list[_Term] = []
    for term in terms:
        term = term.strip()
        key = fold(term)
        if not key or key in seen:
            continue
        seen.add(key)
        prepared.append(_Term(text=term, folded=key, phonetic=cologne_phonetics(term)))
    return tuple(prepared)


def _is_inflection(window: str, term: str) -> bool:
    """True if ``window`` looks like ``term``'s stem with another German ending ("Pässe"/"Pass")."""
    w, t = fold_plain(window), fold_plain(term)
    prefix = _common_prefix(w, t)
    rest = w[prefix:]
    return bool(rest) and rest in INFLECTION_ENDINGS and prefix >= len(t) - 3


def _differs_in_meaning(w: str, t: str, distance: int) -> bool:
    """True if swapping one contrasting prefix in ``w`` brings it closer to ``t``.

    "Gewerbeabmeldung" is one letter from "Gewerbeanmeldung" but means the opposite; the same
    holds for "Bewohner-"/"Anwohnerparkausweis". Such windows are never "corrected".
    """
    for a in CONTRAST_PREFIXES:
        start = w.find(a)
        while start != -1:
            for b in CONTRAST_PREFIXES:
                if b != a and levenshtein(fold(w[:start] + b + w[start + len(a) :]), t) < distance:
                    return True
            start = w.find(a, start + 1)
    return False


def _fuzzy_score(w: str, term: _Term, window: str) -> Optional[float]:
    """Score of a folded window ``w`` against ``term`` if it passes every conservative check."""
    t = term.folded
    if len(t) < MIN_FUZZY_LENGTH or len(w) < MIN_FUZZY_LENGTH:
        return None
    if not LENGTH_RATIO[0] <= len(w) / len(t) <= LENGTH_RATIO[1]:
        return None
    anchor = max(_common_prefix(w, t), _common_prefix(w[::-1], t[::-1]))
    if anchor < MIN_ANCHOR or anchor < ANCHOR_SHARE * len(t):
        return None
    if _is_inflection(window, term.text):
        return None
    if (w in t or t in w) and w != t[:-1]:  # "Meldung" inside "Ummeldung" is another word
        return None
    distance = levenshtein(w, t)
    if distance > max(1, len(t) // 5):
        return None
    if _differs_in_meaning(w, t, distance):
        return None
    spelling = _ratio(w, t)
    if spelling < MIN_SPELLING:
        return None
    score = (spelling + _ratio(cologne_phonetics(window), term.phonetic)) / 2
    return score if score >= MIN_SCORE else None


def _window_score(
    window: str,
    words: Sequence[str],
    term: _Term,
    common_words: AbstractSet[str] = frozenset(),
    folded: Optional[str] = None,
) -> Optional[float]:
    w = fold(window) if folded is None else folded
    if not w:
        return None
    if w == term.folded:
        return 1.0
    if len(w) < MIN_FUZZY_LENGTH or len(term.folded) < MIN_FUZZY_LENGTH:
        return None
    if not LENGTH_RATIO[0] <= len(w) / len(term.folded) <= LENGTH_RATIO[1]:
        return None
    if len(words) > 1 and (words[0].lower() in EDGE_STOPWORDS or words[-1].lower() in EDGE_STOPWORDS):
        return None
    for word in words:  # a real word that is not part of the term stays ("Hilfe" ≠ "Melde-")
        if len(word) >= 4 and word.lower() in common_words and not _part_of(fold(word), term.folded):
            return None
    score = _fuzzy_score(w, term, window)
    if score is None and len(words) == 1:
        score = _phonetic_score(w, term, window, common_words)
    return score


def _part_of(word: str, term: str) -> bool:
    """``word`` appears in ``term``, possibly without a German linking ending ("sache" in "sachbearbeiter")."""
    if word in term:
        return True
    return len(word) >= 4 and word[-1] in "ens" and word[:-1] in term


MIN_PHONETIC_SPELLING = 0.5


def _phonetic_score(w: str, term: _Term, window: str, common_words: AbstractSet[str]) -> Optional[float]:
    """A single non-word that sounds exactly like the term ("Aundahl" ~ "Auental")."""
    t = term.folded
    if window.lower() in common_words or not common_words and len(w) < 7:
        return None
    if not window[:1].isupper():  # names and nouns only: "beantrage" sounds like "Bauantrag"
        return None
    if w[0] != t[0] or cologne_phonetics(window) != term.phonetic or len(term.phonetic) < 3:
        return None
    if not 0.7 <= len(w) / len(t) <= 1.4 or _is_inflection(window, term.text):
        return None
    if _differs_in_meaning(w, t, levenshtein(w, t)):
        return None
    spelling = _ratio(w, t)
    return MIN_SCORE + (spelling - MIN_PHONETIC_SPELLING) * 0.1 if spelling >= MIN_PHONETIC_SPELLING else None


def match_score(window: str, term: str, common_words: AbstractSet[str] = frozenset()) -> Optional[float]:
    """Similarity of a window (raw words) to a term, or ``None`` if it must not be replaced.

    1.0 means equal after :func:`fold`; fuzzy scores lie in [MIN_SCORE, 1).
    """
    prepared = _prepare((term,))
    if not prepared:
        return None
    return _window_score(window, _WORD_RE.findall(window), prepared[0], common_words)


def correct_terms(text: str, terms: Iterable[str], common_words: AbstractSet[str] = frozenset()) -> str:
    """Return ``text`` with near-misses of ``terms`` replaced by the terms' own spelling.

    ``common_words`` (lower case, e.g. :func:`assistant.voice.lexicon.load_common_words`) are
    real words that a fuzzy match must not swallow. All candidate windows are scored first; the
    best ones win (exact before fuzzy, then fewer words), so "in Klein Walde" keeps its "in".
    """
    prepared = _prepare(tuple(terms))
    if not text or not prepared:
        return text
    words = list(_WORD_RE.finditer(text))
    candidates: list[tuple[float, int, int, _Term]] = []  # (score, start word, size, term)
    for i in range(len(words)):
        for size in range(1, min(MAX_WINDOW, len(words) - i) + 1):
            span = words[i : i + size]
            if size > 1 and not _JOINABLE_GAP.match(text[span[-2].end() : span[-1].start()]):
                break
            window = text[span[0].start() : span[-1].end()]
            tokens = [m.group(0) for m in span]
            folded = fold(window)
            for term in prepared:
                score = _window_score(window, tokens, term, common_words, folded)
                if score is not None:  # exact self-matches stay in: they block fuzzy rivals
                    if size > 1 and score >= 0.9 and all(len(t) <= 3 or _part_of(fold(t), term.folded) for t in tokens):
                        # every word is a piece of the term ("Geburt zur Kunde"): beats a shorter
                        # term that is just one of the pieces ("Geburt")
                        score += 0.02 * (size - 1)
                    candidates.append((score, i, size, term))
    candidates.sort(key=lambda c: (-c[0], c[2], c[1]))
    taken = [False] * len(words)
    chosen: list[tuple[int, int, _Term]] = []
    for _score, i, size, term in candidates:
        if any(taken[i : i + size]):
            continue
        taken[i : i + size] = [True] * size
        chosen.append((i, size, term))
    out: list[str] = []
    cursor = 0
    for i, size, term in sorted(chosen, key=lambda c: c[0]):
        start, end = words[i].start(), words[i + size - 1].end()
        out.append(text[cursor:start])
        out.append(term.text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


WEEKDAYS: tuple[str, ...] = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
# words before a weekday ("am Donnerstag", "bis Freitag", "nächsten Montag")
_TIME_CONTEXT = frozenset("am ab bis jeden jedem nächsten nächster kommenden kommender diesen dieser letzten vom zum "
                          "seit außer oder und".split())
# real words that look like weekdays: never replaced
_DAY_WORDS = frozenset("""feiertag geburtstag werktag wahltag alltag vormittag nachmittag mittag namenstag hochzeitstag
jahrestag stichtag ruhetag sonnabend samstags sonntags montags dienstags mittwochs donnerstags freitags heute morgen
""".split())
_WEEKDAY_MIN = 0.6


def correct_weekdays(text: str) -> str:
    """Snap a misheard weekday after a time word: "am Bundestag" → "am Donnerstag"."""
    words = list(_WORD_RE.finditer(text))
    out: list[str] = []
    cursor = 0
    for i, m in enumerate(words):
        word = m.group(0)
        low = word.lower()
        if i == 0 or words[i - 1].group(0).lower() not in _TIME_CONTEXT or low in _DAY_WORDS:
            continue
        if any(low == d.lower() for d in WEEKDAYS) or len(low) < 5:
            continue
        if not (low.endswith(("tag", "tach", "tak", "dag", "woch", "wog")) or fold(low).endswith(("tag", "tak"))):
            continue
        best, score = None, 0.0
        for day in WEEKDAYS:
            value = (_ratio(fold(low), fold(day)) + _ratio(cologne_phonetics(low), cologne_phonetics(day))) / 2
            if value > score:
                best, score = day, value
        if best and score >= _WEEKDAY_MIN:
            out.append(text[cursor:m.start()])
            out.append(best)
            cursor = m.end()
    out.append(text[cursor:])
    return "".join(out)


def apply_sounds_like(text: str, table: dict[str, Iterable[str]]) -> str:
    """Replace known sound-alikes (whole words or word groups, compared after :func:`fold`)."""
    if not table:
        return text
    heard = {fold(v): term for term, variants in table.items() for v in variants}
    words = list(_WORD_RE.finditer(text))
    out: list[str] = []
    cursor = 0
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            span = words[i:i + size]
            if len(span) < size:
                continue
            key = fold(text[span[0].start():span[-1].end()])
            if key in heard:
                out.append(text[cursor:span[0].start()])
                out.append(heard[key])
                cursor = span[-1].end()
                i += size
                break
        else:
            i += 1
    out.append(text[cursor:])
    return "".join(out)


def correct_transcript(text: str, terms: Iterable[str], common_words: AbstractSet[str] = frozenset(),
                       sounds_like: Optional[dict[str, Iterable[str]]] = None) -> str:
    """All post-corrections: known sound-alikes, near-misses of ``terms``, weekdays."""
    if sounds_like is None:
        from assistant.voice.vocabulary import SOUNDS_LIKE

        sounds_like = SOUNDS_LIKE
    text = apply_sounds_like(text, sounds_like)
    text = correct_terms(text, terms, common_words)
    return correct_weekdays(text)
