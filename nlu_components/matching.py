"""Matching logic of the knowledge-base gazetteer (pure Python: importable without Rasa).

The vocabulary (word -> canonical value per entity) is generated from the knowledge base by
``assistant kb nlu`` into a JSON file, read at training time and stored inside the model, so a
municipality that adds a place or a colloquial service word only edits YAML and retrains.

Matching is on normalised text (lower case, umlauts folded, punctuation removed), prefers the
match covering most vocabulary words, accepts word order variants ("Anmeldung vom Auto"), accepts German compounds ("Personalausweisantrag" -> personalausweis) and small
typos (one edit for words of 6+ letters, two for 10+, same first letter, never swapping a
meaning-bearing prefix: "anmelden" is not a typo of "abmelden"), so unseen phrasings still
resolve. :mod:`nlu_components.service_rules` then reads the sentence (registration verbs,
negation, transport words).
"""
from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Optional, Tuple

from nlu_components.service_rules import ServiceRules

# What may follow a service word inside a compound and still be about that service
# ("Personalausweis|antrag", "Hundesteuer|bescheid"); anything else names another thing
# ("Geburt|stagsfeier" is a party, "Sport|platz" no Kita place).
GENERIC_TAILS = frozenset("""
antrag antraege antrags antragstellung termin termine terminen gebuehr gebuehren kosten formular formulare stelle
stellen amt aemter bescheid unterlagen papiere dokumente frage fragen nummer sachen sache verfahren beantragung
info infos online pflicht frist fristen regelung regeln bearbeitung zeiten schalter buero verlaengerung erneuerung
umtausch abholung anmeldung abmeldung ummeldung bestaetigung nachweis nachweise foto fotos bild service beratung
suche anfrage wechsel problem probleme
""".split())

# word parts that flip the meaning: a typo match never swaps one for another
CONTRAST_PREFIXES = ("an", "ab", "um", "aus", "ein", "auf", "zu", "ver", "ent")


def normalize_with_offsets(text: str) -> Tuple[str, List[int]]:
    """Normalised text plus, for each normalised character, its index in the original text."""
    out: List[str] = []
    offsets: List[int] = []
    text = unicodedata.normalize("NFC", text)
    folds = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
    for i, ch in enumerate(text.lower()):
        rep = folds.get(ch, ch if ch.isalnum() else " ")
        for r in rep:
            out.append(r)
            offsets.append(i)
    return "".join(out), offsets


def normalize(text: str) -> str:
    return " ".join(normalize_with_offsets(text)[0].split())


def _same_word(part: str, token: str) -> bool:
    """Inflected or derived form of the same word ('anmelden' ~ 'anmeldung', 'zulassen' ~
    'zugelassen' is not), but not another compound ('kinderreisepass' !~ 'kindergeld')."""
    if len(part) < 5 or len(token) < 5:
        return part == token
    common = 0
    for a, b in zip(part, token):
        if a != b:
            break
        common += 1
    return common >= 5 and common >= min(len(part), len(token)) - 3


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return False
        prev = cur
    return prev[-1] <= limit


def _key(word: str) -> str:
    """What a message token must share with a phrase word to be "the same word" (see _same_word)."""
    return word[:5] if len(word) >= 5 else word


def _swaps_prefix(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ only by a contrasting word part ("anmelden"/"abmelden")."""
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    for cut in range(max(0, common - 3), common + 1):
        for p in CONTRAST_PREFIXES:
            if not a.startswith(p, cut):
                continue
            for q in CONTRAST_PREFIXES:
                if p != q and b.startswith(q, cut) and a[cut + len(p):] == b[cut + len(q):]:
                    return True
    return False


def _generic_tail(tail: str) -> bool:
    """True if ``tail`` (what follows a service word in a compound) keeps the compound about it."""
    if len(tail) <= 2:  # inflection: "Personalausweises"
        return True
    for link in ("", "s", "es", "n", "en", "e"):
        if tail.startswith(link) and tail[len(link):] in GENERIC_TAILS:
            return True
    return False


class Gazetteer:
    """Pure matching logic (testable without Rasa).

    ``vocab``: entity -> {phrase: value}; a key ``"_rules"`` (generated from the KB) holds the
    data of :class:`~nlu_components.service_rules.ServiceRules`.
    """

    def __init__(self, vocab: Dict[str, Any], min_compound: int = 6):
        vocab = dict(vocab)
        self.rules = ServiceRules.from_dict(vocab.pop("_rules", None))
        # entity -> {normalised phrase: value}
        self.vocab = {ent: {normalize(k): v for k, v in words.items() if normalize(k)} for ent, words in vocab.items()}
        self.min_compound = min_compound
        # precomputed for speed (every message is matched against ~1,000 words): loose phrases by
        # the keys their words need in the message, single words for the fuzzy rules, and a cache
        # of fuzzy results per token (tokens repeat across messages)
        self._phrases: Dict[str, List[Tuple[str, str, Tuple[str, ...]]]] = {}
        self._singles: Dict[str, List[Tuple[str, str]]] = {}
        for ent, words in self.vocab.items():
            self._phrases[ent] = [(ph, v, tuple(_key(p) for p in ph.split(" "))) for ph, v in words.items()
                                  if 2 <= len(ph.split(" ")) <= 3 and all(len(p) >= 3 for p in ph.split(" "))]
            self._singles[ent] = [(w, v) for w, v in words.items() if " " not in w and len(w) >= 4]
        self._fuzzy_cache: Dict[Tuple[str, str], Tuple[Optional[str], int]] = {}
        self._max_len = {ent: max((w.count(" ") + 1 for w in words), default=1) for ent, words in self.vocab.items()}
        self._phrases_by_key: Dict[str, Dict[str, List[Tuple[str, str, Tuple[str, ...]]]]] = {}
        for ent, phrases in self._phrases.items():
            by_key: Dict[str, List[Tuple[str, str, Tuple[str, ...]]]] = {}
            for item in phrases:
                by_key.setdefault(item[2][0], []).append(item)
            self._phrases_by_key[ent] = by_key
        self._phrase_order = {ent: {item[0]: i for i, item in enumerate(phrases)} for ent, phrases in self._phrases.items()}

    def _token_spans(self, norm: str) -> List[Tuple[int, int, str]]:
        spans, i = [], 0
        for tok in norm.split(" "):
            if tok:
                spans.append((i, i + len(tok), tok))
            i += len(tok) + 1
        return spans

    def find(self, text: str) -> List[Dict[str, Any]]:
        norm, offsets = normalize_with_offsets(text)
        spans = self._token_spans(norm)
        found: List[Tuple[int, int, str, str, int, int]] = []  # (start, end, entity, value, score, words)
        for ent, words in self.vocab.items():
            max_len = self._max_len[ent]
            for i in range(len(spans)):
                for n in range(min(max_len, len(spans) - i), 0, -1):
                    phrase = " ".join(s[2] for s in spans[i:i + n])
                    value = words.get(phrase)
                    score = 3
                    if ent == "service" and n == 1 and phrase in self.rules.never_service:
                        break
                    if value is None and n == 1:
                        key = (ent, phrase)
                        hit = self._fuzzy_cache.get(key)
                        if hit is None:
                            hit = self._fuzzy_token(phrase, words, self._singles[ent])
                            if len(self._fuzzy_cache) > 50_000:
                                self._fuzzy_cache.clear()
                            self._fuzzy_cache[key] = hit
                        value, score = hit
                    if value is not None:
                        found.append((i, i + n, ent, value, score * 100 + len(phrase), n))
                        break
            found.extend(self._loose_phrases(spans, ent, words))
        # keep non-overlapping: the match covering more vocabulary words wins; on a tie exact
        # phrases beat compounds, loose word order and typos
        found.sort(key=lambda f: (-f[5], -(f[4] // 100), -f[4]))
        taken: set = set()
        entities = []
        for a, b, ent, value, _score, _words in found:
            if any(k in taken for k in range(a, b)):
                continue
            taken.update(range(a, b))
            start = offsets[spans[a][0]]
            end = offsets[spans[b - 1][1] - 1] + 1
            entities.append({"entity": ent, "value": value, "start": start, "end": end,
                             "text": text[start:end]})
        entities.sort(key=lambda e: e["start"])
        if "service" in self.vocab:
            tokens = [(offsets[a], offsets[b - 1] + 1, tok) for a, b, tok in spans]
            entities = self.rules.apply(text, tokens, entities, self.vocab["service"])
        return entities

    def _loose_phrases(self, spans: List[Tuple[int, int, str]], ent: str,
                       words: Dict[str, str]) -> List[Tuple[int, int, str, str, int, int]]:
        """Multi-word phrases in another order or inflection: 'Anmeldung vom Auto' ~ 'Auto anmelden'.

        Every word of the phrase must be the same word (inflected) as a different token within a
        window of the phrase length plus two filler words.
        """
        out = []
        tokens = [s[2] for s in spans]
        present = {_key(t) for t in tokens}
        by_key = self._phrases_by_key.get(ent, {})
        order = self._phrase_order[ent]
        candidates = sorted((item for k in present for item in by_key.get(k, ())), key=lambda c: order[c[0]])
        for phrase, value, keys in candidates:  # in vocabulary order, as before the index
            if not all(k in present for k in keys):  # a word of the phrase cannot be in the message
                continue
            parts = phrase.split(" ")
            width = len(parts) + 2
            for i in range(len(tokens)):
                window = tokens[i:i + width]
                used: List[int] = []
                for part in parts:
                    hit = next((j for j, t in enumerate(window) if j not in used and _same_word(part, t)), None)
                    if hit is None:
                        break
                    used.append(hit)
                else:
                    a, b = i + min(used), i + max(used) + 1
                    out.append((a, b, ent, value, 150 + len(phrase), len(parts)))
                    break
        return out

    def _fuzzy_token(self, tok: str, words: Dict[str, str],
                     singles: Optional[List[Tuple[str, str]]] = None) -> Tuple[Optional[str], int]:
        if len(tok) < 5:
            return None, 0
        if singles is None:
            singles = [(w, v) for w, v in words.items() if " " not in w and len(w) >= 4]
        best: Optional[Tuple[int, str, str]] = None
        for w, v in singles:
            if len(w) >= self.min_compound and len(tok) > len(w) and (
                    tok.endswith(w) or (tok.startswith(w) and _generic_tail(tok[len(w):]))):
                cand = (len(w), v, w)
                if best is None or cand[0] > best[0]:
                    best = cand
        if best:
            _, value, head = best
            if tok.endswith(head):
                # German compounds: the modifier names the thing ("Hunde|anmeldung" is about the dog)
                modifier = tok[: -len(head)]
                for cut in (modifier, modifier[:-1], modifier[:-2]):
                    if len(cut) >= 3 and cut in words and words[cut] != value:
                        return words[cut], 2
            return value, 2
        limit = 2 if len(tok) >= 10 else 1 if len(tok) >= 6 else 0
        if limit:
            for w, v in singles:
                if len(w) >= 6 and tok[0] == w[0] and abs(len(w) - len(tok)) <= limit \
                        and _edit_distance_at_most(tok, w, limit) \
                        and not _swaps_prefix(tok, w):
                    return v, 1
        return None, 0
