"""Held-out benchmark: questions written independently of the training data
(tests/data/holdout_questions.yml), sent to a running Rasa /model/parse, with the action-side
service resolution as fallback.

Prints intent accuracy, service accuracy, the false-service rate (questions without a service
that got one), the same for the questions in other languages (``lang:``), place recall and the
most frequent confusions. ``--json FILE`` saves the figures; ``--compare FILE`` prints a saved run
(e.g. the old pipeline) side by side with this one.

Usage: .venv/app/bin/python scripts/bench_holdout.py [RASA_URL] [-v] [--json OUT] [--compare OLD.json]
       (default URL http://127.0.0.1:5005)
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIGURES = (
    ("intent_accuracy", "intent accuracy (nlu_fallback counts as wrong)"),
    ("service_accuracy", "service accuracy (questions with a service)"),
    ("false_service_rate", "false services (questions without one that got one)"),
    ("foreign_intent_accuracy", "other languages: intent accuracy"),
    ("foreign_service_accuracy", "other languages: right service"),
    ("place_recall", "place found"),
)


def parse(url: str, text: str) -> dict[str, Any]:
    from assistant.config import get_settings

    token = get_settings().effective_rasa_token  # same token as the running Rasa (env or var/secrets/)
    req = urllib.request.Request(f"{url}/model/parse?token={token}", data=json.dumps({"text": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def evaluate(url: str, questions_file: Path = ROOT / "tests/data/holdout_questions.yml") -> dict[str, Any]:
    from assistant.kb.loader import load_kb
    from assistant.dialogue.turn import extract
    from assistant.kb.views import resolve_municipality

    kb = load_kb(ROOT / "kb")
    questions = yaml.safe_load(questions_file.read_text(encoding="utf-8"))["questions"]
    c: Counter = Counter()
    confusions: Counter = Counter()
    misses: list[tuple[str, str, str]] = []
    for q in questions:
        result = parse(url, q["text"])
        predicted = result["intent"]["name"]
        foreign = bool(q.get("lang")) and q["lang"] != "de"
        c["n"] += 1
        c["n_foreign"] += foreign
        if predicted == q["intent"]:
            c["ok_intent"] += 1
            c["ok_foreign_intent"] += foreign
        else:
            confusions[(q["intent"], predicted)] += 1
            misses.append((q["intent"], predicted, q["text"]))
        # the service the dialogue layer acts on (entities first, then its own text fallback)
        service = extract(kb, result).service
        if q.get("service"):
            c["n_service"] += 1
            c["n_foreign_service"] += foreign
            hit = service == q["service"]
            c["ok_service"] += hit
            c["ok_foreign_service"] += foreign and hit
            if not hit:
                misses.append(("service " + q["service"], str(service), q["text"]))
        else:
            c["n_no_service"] += 1
            if service:
                c["false_service"] += 1
                misses.append(("service -", str(service), q["text"]))
        if q.get("place"):
            c["n_place"] += 1
            places = [e["value"] for e in result["entities"] if e["entity"] == "place"]
            c["ok_place"] += any(p == q["place"] or resolve_municipality(kb, p) == resolve_municipality(kb, q["place"])
                                 for p in places)

    def share(a: str, b: str) -> Optional[float]:
        return round(c[a] / c[b], 3) if c[b] else None

    return {
        "questions": c["n"], "with_service": c["n_service"], "without_service": c["n_no_service"],
        "foreign": c["n_foreign"], "foreign_with_service": c["n_foreign_service"],
        "intent_accuracy": share("ok_intent", "n"),
        "service_accuracy": share("ok_service", "n_service"),
        "false_service_rate": share("false_service", "n_no_service"),
        "foreign_intent_accuracy": share("ok_foreign_intent", "n_foreign"),
        "foreign_service_accuracy": share("ok_foreign_service", "n_foreign_service"),
        "place_recall": share("ok_place", "n_place"),
        "confusions": [[a, b, n] for (a, b), n in confusions.most_common(15)],
        "misses": misses,
    }


def _fmt(value: Optional[float]) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def report(new: dict[str, Any], old: Optional[dict[str, Any]] = None, verbose: bool = False) -> None:
    print(f"held-out questions: {new['questions']} ({new['with_service']} with a service, "
          f"{new['without_service']} without, {new['foreign']} in other languages)")
    if old:
        print(f"{'':56s} {'old':>6s} {'new':>6s}")
        for key, label in FIGURES:
            print(f"  {label:54s} {_fmt(old.get(key))} {_fmt(new.get(key))}")
    else:
        for key, label in FIGURES:
            print(f"  {label:54s} {_fmt(new.get(key))}")
    print("most frequent intent confusions (true -> predicted):")
    for a, b, n in new["confusions"][:10]:
        print(f"  {a} -> {b}: {n}")
    if verbose:
        for m in new["misses"]:
            print("  MISS", tuple(m))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Held-out NLU benchmark against a running Rasa")
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:5005")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    parser.add_argument("--json", type=Path, help="save the figures to this file")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/data/holdout_questions.yml",
                        help="question file (default: the held-out questions)")
    parser.add_argument("--compare", type=Path, help="saved figures of another pipeline, printed side by side")
    args = parser.parse_args(argv)
    result = evaluate(args.url.rstrip("/"), args.questions)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    old = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare and args.compare.is_file() else None
    old = old.get("holdout", old) if old else None  # docs/bench/nlu_baseline.json nests it
    report(result, old, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
