"""Hits and misses of the redaction on the invented German examples in tests/data/redaction_cases.yml.

Usage: .venv/app/bin/python scripts/bench_redaction.py [--show-misses]
Prints the number of personal-data values hidden (hits) and left visible (misses), per kind,
and how many ordinary messages were changed (false positives).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.redaction import redact
from tests.redaction_cases import evaluate, load_cases


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    cases, keep = load_cases()
    start = time.perf_counter()
    result = evaluate(cases, keep)
    took = time.perf_counter() - start
    hits, misses = Counter(), Counter()
    for kind, hit in result.outcomes:
        (hits if hit else misses)[kind] += 1
    total_hits, total_misses = sum(hits.values()), sum(misses.values())
    print(f"messages with personal data: {len(cases)}, values: {total_hits + total_misses}")
    print(f"hits: {total_hits}  misses: {total_misses}  recall: {total_hits / max(1, total_hits + total_misses):.3f}")
    for kind in sorted(set(hits) | set(misses)):
        print(f"  {kind:14s} hits {hits[kind]:3d}  misses {misses[kind]:3d}")
    print(f"ordinary messages changed (false positives): {len(result.changed_keep)} of {len(keep)}")
    print(f"time: {took * 1000 / max(1, len(cases) + len(keep)):.2f} ms per message")
    if args.show_misses:
        for text, value in result.missed:
            print(f"  MISS {value!r} in {redact(text)!r}")
        for text in result.changed_keep:
            print(f"  CHANGED {text!r} -> {redact(text)!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
