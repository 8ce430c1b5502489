#!/usr/bin/env bash
# The whole test suite: knowledge base, data validation, training, conversation tests, pytest.
# Non-zero exit on any failure. Called by `make test` (after `make install`) and by .ci/run.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
fail=0
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "1/6 Lint (ruff) and knowledge base check"
.venv/app/bin/ruff check assistant channels nlu_components rasa_addons scripts tests || fail=1
.venv/app/bin/assistant kb check || fail=1
.venv/app/bin/assistant kb nlu --out data/nlu/generated >/dev/null || fail=1

step "2/6 rasa data validate --fail-on-warnings"
.venv/rasa/bin/rasa data validate --fail-on-warnings --domain build/domain > var/validate.log 2>&1
rc=$?
# Rasa prints warnings for responses used only by custom actions; anything else is a failure.
if [ $rc -ne 0 ]; then grep -E "Error|error|Warning" var/validate.log | grep -v "is not used in any story" | tail -20; fail=1; fi

step "3/6 Training (skipped if a model for these exact inputs exists)"
bash scripts/train.sh || { echo "training failed"; exit 1; }

step "4/6 Conversation tests (rasa test, --fail-on-prediction-errors)"
# national tests/test_stories_*.yml plus every municipality's own kb/municipalities/<id>/tests.yml
rm -rf results/stories var/story_tests && mkdir -p var/story_tests
cp tests/test_stories_*.yml var/story_tests/
for t in kb/municipalities/*/tests.yml; do [ -f "$t" ] && cp "$t" "var/story_tests/local_$(basename "$(dirname "$t")").yml"; done
.venv/rasa/bin/rasa test core --model models/current.tar.gz --stories var/story_tests --fail-on-prediction-errors \
  --out results/stories > var/rasa_test.log 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "None of the test stories failed" results/stories/failed_test_stories.yml 2>/dev/null; then
  echo "all conversation tests passed ($(grep -cE '^ *- story:' var/story_tests/*.yml | awk -F: '{s+=$2} END {print s}') stories, $(ls var/story_tests/local_*.yml 2>/dev/null | wc -l) municipalities' own)"
else
  echo "Conversation tests failed:"; cat results/stories/failed_test_stories.yml 2>/dev/null | head -60; fail=1
fi

step "5/6 pytest (unit, actions, REST against the real model, browser, Telegram, voice)"
.venv/app/bin/python -m pytest -q -p no:cacheprovider --durations=12 --ignore=tests/scale "$@"
[ $? -eq 0 ] || fail=1

step "6/6 Scale tests (make test-scale: PostgreSQL, Redis, nginx, 2 Rasa replicas, 2 action servers)"
.venv/app/bin/python -m pytest -q -p no:cacheprovider -s tests/scale
[ $? -eq 0 ] || fail=1

echo
echo "Test suite finished in $(( $(date +%s) - start )) s: $([ $fail -eq 0 ] && echo PASSED || echo FAILED)"
exit $fail
