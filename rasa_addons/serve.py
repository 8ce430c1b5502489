"""``python -m rasa_addons.serve run …``: ``rasa run`` as both profiles start it.

Two differences to the ``rasa`` command, both installed by :func:`main` (nothing is patched at
import time) before it hands over to Rasa's own command line:

* Rasa's agent wraps every tracker store in ``FailSafeTrackerStore`` (errors -> empty tracker on
  read, in-memory copy on write). That wrapper is skipped for a store that declares
  ``fail_loudly = True`` (:class:`rasa_addons.tracker_store.StrictSQLTrackerStore`, the scaled
  profile), so a database outage becomes a visible failed turn instead of silently lost
  conversations. Other stores keep the wrapper.
* Rasa validates every action server response with ``jsonschema.validate``, which checks the
  (constant) schema itself and builds a new validator on every call: about 11 ms of a 60 ms turn
  (docs/bench/profile-2026-12-04.md). :func:`install_cached_action_validation` builds the validator
  once and validates each response with it - the same checks and the same error.
* Faster model load (:func:`install_fast_model_load`): the German spaCy pipeline is loaded once
  per process, not once per graph node that names it (the model has two), and DIET builds its
  weights with one *eager* training step instead of tracing a whole training graph that is
  thrown away (the trained weights are loaded right after; prediction still runs as a traced
  ``tf.function``). Same weights, same predictions; tests/rasa_addons/test_serve.py compares them.
"""
from __future__ import annotations

import sys
from typing import Any


def install_strict_tracker_store() -> None:
    """Make ``Agent`` use a ``fail_loudly`` tracker store as it is (idempotent)."""
    from rasa.core.agent import Agent

    if getattr(Agent, "_assistant_strict", False):
        return
    original = Agent._create_tracker_store

    def _create_tracker_store(store: Any, domain: Any) -> Any:
        if store is not None and getattr(store, "fail_loudly", False):
            store.domain = domain
            return store
        return original(store, domain)

    Agent._create_tracker_store = staticmethod(_create_tracker_store)
    Agent._assistant_strict = True


def install_cached_action_validation() -> None:
    """``RemoteAction._validate_action_result`` with one prepared validator (idempotent)."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction, "_assistant_cached_validation", False):
        return
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate does on every call, once
    validator = cls(schema)

    def _validate_action_result(self: Any, result: Any) -> bool:
        error = best_match(validator.iter_errors(result))  # jsonschema.validate's own selection
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction._assistant_cached_validation = True


def install_fast_model_load() -> None:
    """One spaCy load per model name and DIET's weight-building step run eagerly (idempotent)."""
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.utils.tensorflow.models import RasaModel

    if getattr(RasaModel, "_assistant_fast_load", False):
        return
    spacy_load = SpacyNLP.load_model
    loaded: dict[str, Any] = {}

    def load_model(spacy_model_name: str) -> Any:
        if spacy_model_name not in loaded:
            loaded[spacy_model_name] = spacy_load(spacy_model_name)
        return loaded[spacy_model_name]

    SpacyNLP.load_model = staticmethod(load_model)

    def load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        # rasa/utils/tensorflow/models.py RasaModel.load (Rasa 3.6.21), with run_eagerly=True for the
        # one-example fit that only gives the weights their shapes
        import tensorflow as tf
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
        from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

        model = cls(*args, **kwargs)
        learning_rate = kwargs.get("config", {}).get(LEARNING_RATE, 0.001)
        run_eagerly = kwargs.get("config", {}).get(RUN_EAGERLY)
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model._run_eagerly = run_eagerly  # prediction: a traced tf.function unless configured otherwise
        model.load_weights(model_file_name)
        if not finetune_mode and predict_data_example:
            model.run_inference(predict_data_example)  # trace the prediction graph now, not at the first message
        return model

    RasaModel.load = classmethod(load)
    RasaModel._assistant_fast_load = True


def main() -> None:
    install_strict_tracker_store()
    install_cached_action_validation()
    install_fast_model_load()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
