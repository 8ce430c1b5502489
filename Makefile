# Bürgerassistent – the two commands are `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-11s %s\n", $$1, $$2}'

install: ## Install everything that is missing (idempotent, seconds when nothing changed)
	@bash scripts/setup.sh

kb: install ## Check the knowledge base and load it into the database
	@.venv/app/bin/assistant kb check && .venv/app/bin/assistant kb load

train: install ## Train a Rasa model if none matches the current data (skips otherwise)
	@bash scripts/train.sh

run: install kb train ## Install, train if needed, start all servers, print the demo URL
	@.venv/app/bin/python scripts/run.py

run-scaled: install kb train ## Scaled profile: REPLICAS Rasa replicas, ACTIONS action servers, nginx, PostgreSQL, Redis
	@.venv/app/bin/python scripts/run_scaled.py --replicas $(or $(REPLICAS),2) $(if $(ACTIONS),--actions $(ACTIONS))

test: install ## Run the whole test suite (unit, data validation, training, conversation, browser)
	@bash scripts/test.sh

test-scale: install train ## Scale tests: 2 Rasa replicas, 2 action servers, nginx, PostgreSQL, Redis (a few minutes)
	@PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false .venv/app/bin/python -m pytest -q -s -p no:cacheprovider tests/scale

bench: install train ## Print NLU and speed figures (cross-validation, latency)
	@bash scripts/bench.sh

bench-load: install train ## Print turns/s and p95 at 1 and 20 residents and the 120-turn cost ratio
	@.venv/app/bin/python scripts/bench_load.py

bench-dialogues: install train ## Run tests/dialogues/*.yml against a fresh stack: turns and conversations passed
	@.venv/app/bin/python scripts/bench_dialogues.py

bench-scale: install train ## turns/s and p95 for 1 and 2 Rasa replicas at 20 concurrent conversations
	@.venv/app/bin/python scripts/bench_scale.py

.PHONY: help install kb train run run-scaled test test-scale bench bench-load bench-dialogues bench-scale
