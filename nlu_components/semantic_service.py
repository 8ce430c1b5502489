"""Service ranking by meaning: a question is compared with every service's catalogue texts (name,
synonyms, colloquial words, summary) and with the training examples that name a service.

Used only where the vocabulary finds nothing ("Wohin mit der alten Waschmaschine?", questions in
English or Ukrainian). A guess is taken when its score reaches a threshold *and* beats the
runner-up service by a margin; both are calibrated on the training examples (leave-one-out), so
that questions without a service rarely get one.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import yaml


def service_passages(services: Dict[str, Dict]) -> List[Tuple[str, str]]:
    """(text, slug) for every name, word and summary sentence of the catalogue."""
    out: List[Tuple[str, str]] = []
    for slug, svc in sorted(services.items()):
        seen = set()
        texts = [svc["name"], *svc.get("words", [])]
        summary = svc.get("summary") or ""
        texts += [s.strip() for s in re.split(r"(?<=[.!?])\s+", summary) if len(s.strip()) > 15][:2]
        for text in texts:
            key = text.lower()
            if key not in seen:
                seen.add(key)
                out.append((text, slug))
    return out


def foreign_passages(path: Optional[str], services: Dict[str, Dict]) -> List[Tuple[str, str]]:
    """(text, slug) for the service names in other languages (``foreign_service_names.yml``),
    for the services this knowledge base has."""
    if not path:
        return []
    file = Path(path)
    if not file.is_file():
        file = Path(__file__).resolve().parent / Path(path).name
    if not file.is_file():
        return []
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    return [(str(text), slug) for slug, texts in sorted(data.items()) if slug in services for text in texts or []]


class ServiceRanker:
    """Best score per service for a query vector, over labelled passage vectors."""

    def __init__(self, vectors: np.ndarray, labels: Sequence[str]):
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.labels = list(labels)
        self._slugs = sorted(set(self.labels))
        self._index = np.array([self._slugs.index(lab) for lab in self.labels], dtype=np.int64)

    def best(self, query: np.ndarray, exclude: Optional[int] = None) -> List[Tuple[float, str]]:
        """(score, slug) per service, best first; ``exclude`` leaves one passage out."""
        if not self.labels:
            return []
        scores = self.vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        if exclude is not None:
            scores = scores.copy()
            scores[exclude] = -1.0
        per = np.full(len(self._slugs), -1.0, dtype=np.float32)
        np.maximum.at(per, self._index, scores)
        order = np.argsort(-per)
        return [(float(per[i]), self._slugs[int(i)]) for i in order]

    def decide(self, query: np.ndarray, threshold: float, margin: float) -> Optional[str]:
        ranked = self.best(query)
        if not ranked:
            return None
        top = ranked[0][0]
        second = ranked[1][0] if len(ranked) > 1 else -1.0
        return ranked[0][1] if top >= threshold and top - second >= margin else None


def calibrate(examples: Iterable[Tuple[List[Tuple[float, str]], Optional[str]]],
              max_false: float = 0.02) -> Tuple[float, float]:
    """Threshold and margin that keep false services on examples without one at or below
    ``max_false`` and get most services right on the others.

    ``examples``: (ranking from :meth:`ServiceRanker.best`, true slug or None).
    """
    rows = [(r[0][0], r[0][0] - (r[1][0] if len(r) > 1 else -1.0), r[0][1], truth) for r, truth in examples if r]
    with_service = [x for x in rows if x[3]]
    without = [x for x in rows if not x[3]]
    best = (-1e9, 1.0, 0.0)
    for threshold in np.arange(0.70, 0.97, 0.005):
        for margin in (0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05):
            false = sum(1 for top, gap, _s, _t in without if top >= threshold and gap >= margin)
            if without and false / len(without) > max_false:
                continue
            right = sum(1 for top, gap, slug, truth in with_service if top >= threshold and gap >= margin and slug == truth)
            wrong = sum(1 for top, gap, slug, truth in with_service if top >= threshold and gap >= margin and slug != truth)
            value = right - 2 * wrong - 2 * false
            if value > best[0]:
                best = (value, float(threshold), float(margin))
    return best[1], best[2]
