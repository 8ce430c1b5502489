"""Summarise Rasa's cross-validation reports: accuracy, macro-F1, worst confusions, entity F1."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def main(out: str) -> None:
    base = Path(out)
    report = json.loads((base / "intent_report.json").read_text())
    print(f"intent accuracy: {report['accuracy']:.3f}")
    print(f"intent macro-F1: {report['macro avg']['f1-score']:.3f}   weighted-F1: {report['weighted avg']['f1-score']:.3f}")
    worst = sorted(((k, v) for k, v in report.items() if isinstance(v, dict) and "f1-score" in v
                    and k not in ("macro avg", "weighted avg", "micro avg")), key=lambda kv: kv[1]["f1-score"])[:5]
    print("weakest intents: " + ", ".join(f"{k} {v['f1-score']:.2f}" for k, v in worst))
    errors = base / "intent_errors.json"
    if errors.exists():
        pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in json.loads(errors.read_text()))
        print("worst-confused pairs (true -> predicted: count):")
        for (a, b), n in pairs.most_common(8):
            print(f"  {a} -> {b}: {n}")
    for name in ("GazetteerEntityExtractor_report.json", "DIETClassifier_report.json"):
        path = base / name
        if path.exists():
            ents = json.loads(path.read_text())
            if "service" in ents:
                print(f"service entity F1 ({name.split('_')[0]}): {ents['service']['f1-score']:.3f}")
            if "place" in ents:
                print(f"place entity F1 ({name.split('_')[0]}): {ents['place']['f1-score']:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
