#!/usr/bin/env bash
# NLU benchmark: 5-fold cross-validation (intent accuracy, macro-F1, confusions; service entity F1
# from the gazetteer) and /model/parse latency. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$(pwd)"
FOLDS=${FOLDS:-5}
OUT=results/bench
rm -rf "$OUT"; mkdir -p "$OUT"
echo "==> ${FOLDS}-fold cross-validation (trains the NLU pipeline ${FOLDS} times)…"
.venv/rasa/bin/rasa test nlu --nlu data/nlu --cross-validation --folds "$FOLDS" --config config.yml \
  --out "$OUT" > "$OUT/cv.log" 2>&1 || { tail -30 "$OUT/cv.log"; exit 1; }
.venv/app/bin/python scripts/bench_report.py "$OUT"
echo "==> /model/parse latency"
.venv/app/bin/python scripts/bench_latency.py
