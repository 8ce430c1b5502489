#!/usr/bin/env bash
# Train a Rasa model if none matches the current data, config, domain, KB and NLU components.
# The model is named after a fingerprint of its inputs; an existing one is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"
.venv/app/bin/assistant kb check >/dev/null || { .venv/app/bin/assistant kb check; exit 1; }
.venv/app/bin/assistant kb nlu --out data/nlu/generated >/dev/null
# build/domain: domain.yml plus the municipalities' local dialogue domains (written by 'kb nlu')
DOMAIN=build/domain
FP=$( (cat config.yml domain.yml; find data domain "$DOMAIN" -type f -name '*.yml' 2>/dev/null | sort | xargs cat; cat data/nlu/generated/gazetteer.json data/nlu/generated/semantic_services.json nlu_components/*.py nlu_components/*.yml) | sha256sum | cut -c1-16)
MODEL="models/model-$FP.tar.gz"
if [ -f "$MODEL" ] && [ "${FORCE_TRAIN:-0}" != 1 ]; then
  echo "Model is current: $MODEL (training skipped)"
else
  echo "==> Training Rasa model $MODEL (a few minutes on 2 cores)…"
  start=$(date +%s)
  mkdir -p var
  .venv/rasa/bin/rasa train --domain "$DOMAIN" --fixed-model-name "model-$FP" --out models > var/train.log 2>&1 &
  pid=$!
  while kill -0 $pid 2>/dev/null; do
    sleep 15
    step=$(grep -aoE "(Epochs: +[0-9]+%|Starting to train component '[A-Za-z]+')" var/train.log | tail -n 1 || true)
    [ -n "$step" ] && echo "   … $(( $(date +%s) - start )) s: $step"
  done
  wait $pid || true
  [ -f "$MODEL" ] || { tail -n 40 var/train.log >&2; echo "Training failed: no model at $MODEL (log: var/train.log)" >&2; exit 1; }
  echo "Trained in $(( $(date +%s) - start )) s"
fi
ln -sf "$(basename "$MODEL")" models/current.tar.gz
# keep the three newest models (the staff interface can roll back to an older one)
ls -t models/model-*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
