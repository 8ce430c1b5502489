"""Held-out benchmark: questions written independently of the training data
(tests/data/holdout_questions.yml), sent to a running Rasa /model/parse, with the action-side
service resolution as fallback. Prints intent accuracy, service accuracy and confusions.

Usage: .venv/app/bin/python scripts/bench_holdout.py [RASA_URL]   (default http://127.0.0.1:5005)
"""
from __future__ import annotations

import json
import sys
import urllib.request
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main(url: str) -> None:
    from assistant.config import get_settings

    token = get_settings().effective_rasa_token  # same token as the running Rasa (env or var/secrets/)
    from assistant.actions.common import ranked_service_entities
    from assistant.kb.loader import load_kb
    from assistant.kb.views import resolve_municipality, resolve_service

    kb = load_kb(ROOT / "kb")
    questions = yaml.safe_load((ROOT / "tests/data/holdout_questions.yml").read_text())["questions"]
    ok_intent = ok_service = n_service = ok_place = n_place = 0
    confusions: Counter = Counter()
    misses = []
    for q in questions:
        req = urllib.request.Request(f"{url}/model/parse?token={token}", data=json.dumps({"text": q["text"]}).encode(),
                                     headers={"Content-Type": "application/json"})
        result = json.loads(urllib.request.urlopen(req, timeout=30).read())
        predicted = result["intent"]["name"]
        if predicted == q["intent"]:
            ok_intent += 1
        else:
            confusions[(q["intent"], predicted)] += 1
            misses.append((q["intent"], predicted, q["text"]))
        ranked = ranked_service_entities(result["entities"], q["text"], predicted)  # as the actions do
        service = resolve_service(kb, str(ranked[0]["value"])) if ranked else resolve_service(kb, q["text"])
        if q.get("service"):
            n_service += 1
            ok_service += service == q["service"]
            if service != q["service"]:
                misses.append(("service " + q["service"], str(service), q["text"]))
        if q.get("place"):
            n_place += 1
            places = [e["value"] for e in result["entities"] if e["entity"] == "place"]
            ok_place += any(p == q["place"] or resolve_municipality(kb, p) == resolve_municipality(kb, q["place"])
                            for p in places)
    n = len(questions)
    print(f"held-out questions: {n}")
    print(f"intent accuracy (nlu_fallback counts as wrong): {ok_intent / n:.3f}")
    if n_service:
        print(f"service accuracy: {ok_service / n_service:.3f} ({n_service} with a service)")
    if n_place:
        print(f"place found: {ok_place / n_place:.3f} ({n_place} with a place)")
    print("most frequent confusions (true -> predicted):")
    for (a, b), c in confusions.most_common(10):
        print(f"  {a} -> {b}: {c}")
    if "-v" in sys.argv:
        for m in misses:
            print("  MISS", m)


if __name__ == "__main__":
    main(next((a for a in sys.argv[1:] if a.startswith("http")), "http://127.0.0.1:5005"))
