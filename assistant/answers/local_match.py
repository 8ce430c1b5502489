"""Match a resident's question to the local answers of the knowledge base
(kb/municipalities/<id>/municipality.yml, ``local_answers``).

Each local answer is represented by its example questions; a question's score for an answer is
the best cosine similarity (character n-gram TF-IDF) to one of them. Place names are removed
before matching: the municipality is decided separately, the words decide the topic.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

from assistant.answers.similarity import TfidfIndex
from assistant.kb.loader import KnowledgeBase, normalize
from assistant.kb.schema import LocalAnswer, Office

# below THRESHOLD the answer is not reliable; STRONG is needed to answer without knowing the place
THRESHOLD = 0.4
STRONG = 0.6
# a reliable answer this far ahead of the best one of any other municipality is answered without asking
MARGIN = 0.2


@dataclass(frozen=True)
class LocalMatch:
    municipality_id: str
    answer: LocalAnswer
    score: float
    question: str


@dataclass(frozen=True)
class _Label:
    municipality_id: str
    index: int
    question: str


_cache_lock = threading.Lock()
_cache: dict[int, tuple[KnowledgeBase, TfidfIndex[_Label]]] = {}


def place_words(kb: KnowledgeBase) -> set[str]:
    words: set[str] = set()
    for mid, mun in kb.municipalities.items():
        for name in (mid, mun.name, *mun.aliases, *mun.ortsteile):
            words.update(normalize(name).split())
    return words - {"gemeinde", "stadt"}


def build_index(kb: KnowledgeBase) -> TfidfIndex[_Label]:
    texts: list[str] = []
    labels: list[_Label] = []
    for mid, mun in sorted(kb.municipalities.items()):
        for i, answer in enumerate(mun.local_answers):
            for q in answer.questions:
                texts.append(q)
                labels.append(_Label(mid, i, q))
    return TfidfIndex(texts, labels, drop=place_words(kb))


def _index(kb: KnowledgeBase) -> TfidfIndex[_Label]:
    with _cache_lock:
        hit = _cache.get(id(kb))
        if hit is not None and hit[0] is kb:
            return hit[1]
        index = build_index(kb)
        if len(_cache) > 8:
            _cache.clear()
        _cache[id(kb)] = (kb, index)
        return index


def rank(kb: KnowledgeBase, text: str, municipality_id: Optional[str] = None) -> list[LocalMatch]:
    """Local answers by score (best question per answer), optionally of one municipality only."""
    best: dict[tuple[str, int], LocalMatch] = {}
    for score, label in _index(kb).scores(text):
        if municipality_id and label.municipality_id != municipality_id:
            continue
        key = (label.municipality_id, label.index)
        if key not in best:
            answer = kb.municipalities[label.municipality_id].local_answers[label.index]
            best[key] = LocalMatch(label.municipality_id, answer, score, label.question)
    return sorted(best.values(), key=lambda m: -m.score)


@dataclass(frozen=True)
class Decision:
    kind: str  # answer | no_information | ask_municipality
    match: Optional[LocalMatch] = None
    municipality_id: Optional[str] = None


def decide(kb: KnowledgeBase, text: str, municipality_id: Optional[str],
           threshold: float = THRESHOLD, strong: float = STRONG) -> Decision:
    """What to do with a local question.

    Known municipality: its best answer if reliable, otherwise an honest "no information".
    Unknown municipality: answer only if exactly one municipality has a strong match (and no
    other municipality a reliable one); otherwise ask where the resident lives.
    """
    if municipality_id and municipality_id in kb.municipalities:
        own = rank(kb, text, municipality_id)
        if own and own[0].score >= threshold:
            return Decision("answer", own[0], municipality_id)
        return Decision("no_information", own[0] if own else None, municipality_id)
    matches = rank(kb, text)
    reliable = {m.municipality_id for m in matches if m.score >= threshold}
    if matches and reliable == {matches[0].municipality_id}:
        top = matches[0]
        others = [m.score for m in matches if m.municipality_id != top.municipality_id]
        # strong, or reliable and far ahead of every other municipality ("Elektrogeräte zum Wertstoffhof":
        # only Musterstadt has one): asking where the resident lives would not change the answer
        if top.score >= strong or (top.score - max(others, default=0.0) >= MARGIN and _names_it(kb, text, top)):
            return Decision("answer", top, top.municipality_id)
    return Decision("ask_municipality")


def _names_it(kb: KnowledgeBase, text: str, match: LocalMatch) -> bool:
    """Does the question name the answer's subject itself (a long word of the question, not a place, in the
    answer's text or example questions: "Wertstoffhof")?"""
    own = normalize(" ".join([match.answer.answer, *match.answer.questions])).split()
    words = {w for w in normalize(text).split() if len(w) >= 7} - place_words(kb)
    return any(w in own for w in words)


def municipality_office(kb: KnowledgeBase, municipality_id: str) -> Optional[Office]:
    """The office residents of a municipality call with general questions."""
    mun = kb.municipalities.get(municipality_id)
    if mun is None:
        return None
    for otype in ("gemeindeverwaltung", "buergerbuero"):
        oid = mun.responsible.get(otype)
        if oid and oid in kb.offices:
            return kb.offices[oid]
    if mun.offices:
        return mun.offices[0]
    for office in kb.offices.values():
        if municipality_id in office.serves:
            return office
    oid = kb.county.responsible.get("gemeindeverwaltung") or kb.county.responsible.get("buergerbuero")
    return kb.offices.get(oid or "")
