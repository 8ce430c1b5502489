"""Train a model and run conversation tests against it in ONE Rasa process (run with the Rasa venv's
python, from the project folder): importing Rasa and TensorFlow takes 30-40 s on a busy 2-core
machine, so one process instead of ``rasa train`` + ``rasa test core`` saves that once, and the
training data is not validated a second time (the caller ran ``rasa data validate`` on the same
files). Prints one JSON line with the timings. Used by tests/local_training.py.

    python tests/local_story_run.py CONFIG STORIES_DIR OUT_DIR
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path


def main(config: str, stories: str, out: str) -> int:
    start = time.monotonic()
    from rasa.model_testing import test_core
    from rasa.model_training import train
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # as `rasa train` does (INFO); without it the rule policy logs every state at DEBUG
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    imported = time.monotonic()
    result = train(domain="build/domain", config=config, training_files=["data"], output="models",
                   fixed_model_name="m")
    trained = time.monotonic()
    if result.code != 0 or not result.model:
        print(json.dumps({"error": f"training failed (code {result.code})"}))
        return 2
    code = 0
    try:
        asyncio.run(test_core(model=result.model, stories=stories, output=out,
                              additional_arguments={"fail_on_prediction_errors": True}))
    except Exception as exc:  # WrongPredictionException: the report names the failed stories
        print(f"conversation test failed: {exc!r}", file=sys.stderr)
        code = 1
    done = time.monotonic()
    print(json.dumps({"model": str(Path(result.model).resolve()), "import_s": round(imported - start),
                      "train_s": round(trained - imported), "test_s": round(done - trained)}))
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
