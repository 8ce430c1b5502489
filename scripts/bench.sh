#!/usr/bin/env bash
# Benchmarks (figures, asserts nothing). Starts Rasa (NLU only) with models/current.tar.gz on a
# free port and prints, old pipeline next to the new one:
#   * held-out questions: intent, service, false services, other languages (the old figures are
#     the saved run in docs/bench/nlu_baseline.json, measured before issue 14's changes);
#   * /model/parse latency (sequential);
#   * voice: WER, key terms intact, intent/service after transcription, for the project's own voice
#     and for eSpeak NG with noise (VOICE=0 skips it: about 5 minutes on 2 cores);
#   * CV=1 adds the 5-fold cross-validation of the training data (trains 5 times).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$(pwd)"
OUT=results/bench
mkdir -p "$OUT"
PORT=$(.venv/app/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
echo "==> starting Rasa (NLU) on $URL"
started=$(date +%s)
.venv/rasa/bin/rasa run --enable-api -i 127.0.0.1 -p "$PORT" --model models/current.tar.gz > "$OUT/rasa.log" 2>&1 &
RASA_PID=$!
trap 'kill $RASA_PID 2>/dev/null || true' EXIT
until curl -sf "$URL/status" > /dev/null; do
  kill -0 $RASA_PID 2>/dev/null || { tail -20 "$OUT/rasa.log"; exit 1; }
  sleep 2
done
echo "Rasa ready after $(( $(date +%s) - started )) s"
echo "==> held-out questions (old = docs/bench/nlu_baseline.json)"
.venv/app/bin/python - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
base = json.loads(Path("docs/bench/nlu_baseline.json").read_text(encoding="utf-8"))
Path(sys.argv[1], "holdout_old.json").write_text(json.dumps(base["holdout"]), encoding="utf-8")
EOF
.venv/app/bin/python scripts/bench_holdout.py "$URL" --json "$OUT/holdout_new.json" --compare "$OUT/holdout_old.json"
echo "==> /model/parse latency (old: $(.venv/app/bin/python -c 'import json; d = json.load(open("docs/bench/nlu_baseline.json"))["parse_latency_ms"]; print(f"median {d["median"]} ms, p95 {d["p95"]} ms"))'))"
.venv/app/bin/python scripts/bench_latency.py "$URL"
if [ "${VOICE:-1}" != 0 ]; then
  echo "==> voice round trip (raw Whisper = without post-correction)"
  .venv/app/bin/python scripts/bench_voice.py --rasa "$URL" --quiet
fi
if [ "${CV:-0}" = 1 ]; then
  echo "==> 5-fold cross-validation (trains the NLU pipeline 5 times)…"
  .venv/rasa/bin/rasa test nlu --nlu data/nlu --cross-validation --folds 5 --config config.yml \
    --out "$OUT/cv" > "$OUT/cv.log" 2>&1 || { tail -30 "$OUT/cv.log"; exit 1; }
  .venv/app/bin/python scripts/bench_report.py "$OUT/cv"
fi
