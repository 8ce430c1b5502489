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


def main() -> None:
    install_strict_tracker_store()
    install_cached_action_validation()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
