"""``python -m rasa_addons.serve run …``: ``rasa run`` for the scaled profile.

The only difference to the ``rasa`` command: Rasa's agent wraps every tracker store in
``FailSafeTrackerStore`` (errors -> empty tracker on read, in-memory copy on write). That wrapper
is skipped for a store that declares ``fail_loudly = True``
(:class:`rasa_addons.tracker_store.StrictSQLTrackerStore`), so a database outage becomes a
visible failed turn instead of silently lost conversations. Nothing is patched at import time;
:func:`main` installs the change and then hands over to Rasa's own command line.
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


def main() -> None:
    install_strict_tracker_store()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
