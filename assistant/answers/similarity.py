"""A small character n-gram TF-IDF index with cosine similarity (no dependencies).

Used to match a resident's question against the example questions of local answers, and to
group similar inbox messages. Character n-grams inside words (with word boundaries) are robust
against typos, umlaut spellings and German compounds ("Grünschnittplatz" ~ "Grünschnitt").
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Generic, Iterable, Optional, Sequence, TypeVar

from assistant.kb.loader import normalize

T = TypeVar("T")

# frequent function words: they say little about the topic of a question
STOPWORDS = frozenset("""
a ab aber als am an auch auf aus bei beim bin bis bitte da das dass de dem den der des die dir du ein eine einem
einen einer es fuer gibt gut hab habe hat hallo ich ihr im in ist ja kann koennen man mein meine meinem meinen
meiner mich mir mit moechte muss nach nicht noch oder sie sind so uns und vom von was welche wer wie wir wo zu zum
zur mal denn eigentlich gerne gern guten tag wann wohin woher wen wem warum welcher welches
""".split())


def tokens(text: str, drop: Iterable[str] = ()) -> list[str]:
    """Normalised words without stop words (and without the words in ``drop``)."""
    dropped = set(drop)
    words = normalize(text).split()
    kept = [w for w in words if w not in STOPWORDS and w not in dropped]
    return kept or [w for w in words if w not in dropped]


def char_ngrams(words: Sequence[str], n_min: int = 3, n_max: int = 5) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        for n in range(n_min, n_max + 1):
            for i in range(max(1, len(padded) - n + 1)):
                grams[padded[i:i + n]] += 1
    return grams


class TfidfIndex(Generic[T]):
    """Documents (texts with a label each); :meth:`scores` returns cosine similarity per document."""

    def __init__(self, texts: Sequence[str], labels: Sequence[T], drop: Iterable[str] = ()):
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        self.drop = frozenset(drop)
        self.labels = list(labels)
        counts = [char_ngrams(tokens(t, self.drop)) for t in texts]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(texts)
        self.idf = {g: math.log((1 + n) / (1 + d)) + 1.0 for g, d in df.items()}
        self.default_idf = math.log(1 + n) + 1.0
        self.vectors = [self._vector(c) for c in counts]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        vec = {g: (1.0 + math.log(tf)) * self.idf.get(g, self.default_idf) for g, tf in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def vector(self, text: str) -> dict[str, float]:
        return self._vector(char_ngrams(tokens(text, self.drop)))

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b.get(g, 0.0) for g, v in a.items())

    def scores(self, text: str) -> list[tuple[float, T]]:
        q = self.vector(text)
        return sorted(((self.cosine(q, v), label) for v, label in zip(self.vectors, self.labels)),
                      key=lambda x: -x[0])

    def best(self, text: str) -> Optional[tuple[float, T]]:
        result = self.scores(text)
        return result[0] if result else None


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts (IDF from just these two)."""
    index = TfidfIndex([a, b], [0, 1])
    return TfidfIndex.cosine(index.vectors[0], index.vectors[1])
