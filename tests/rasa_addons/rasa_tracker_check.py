"""Runs in the Rasa environment: the strict tracker store and the launcher patch (SQLite file).
Prints one JSON object. Called by test_tracker_store.py.

Usage: .venv/rasa/bin/python tests/rasa_addons/rasa_tracker_check.py DB_FILE
"""
from __future__ import annotations

import asyncio
import json
import sys

from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_addons.serve import install_strict_tracker_store
from rasa_addons.tracker_store import StrictSQLTrackerStore, TrackerStoreUnavailable


async def main() -> None:
    store = TrackerStore.create(EndpointConfig(type="rasa_addons.tracker_store.StrictSQLTrackerStore",
                                               dialect="sqlite", db=sys.argv[1]), Domain.empty())
    out: dict = {"class": type(store).__name__}
    tracker = DialogueStateTracker.from_events("resident-1", [UserUttered("Hallo")])
    await store.save(tracker)
    back = await store.retrieve("resident-1")
    out["roundtrip"] = [e.text for e in back.events if isinstance(e, UserUttered)] if back else None
    for name, sender in (("nul", "a\x00b"), ("long", "x" * 300), ("space", "a b")):
        try:
            await store.retrieve(sender)
            out[name] = "returned"
        except TrackerStoreUnavailable:
            out[name] = "raised"
        except SystemExit:
            out[name] = "exited"
    out["ping"] = store.ping()
    out["wrapped_before"] = isinstance(Agent(tracker_store=store).tracker_store, FailSafeTrackerStore)
    install_strict_tracker_store()
    out["wrapped_after"] = isinstance(Agent(tracker_store=store).tracker_store, FailSafeTrackerStore)
    plain = TrackerStore.create(EndpointConfig(type="sql", dialect="sqlite", db=sys.argv[1] + "-plain"), Domain.empty())
    out["plain_still_wrapped"] = isinstance(Agent(tracker_store=plain).tracker_store, FailSafeTrackerStore)
    print(json.dumps(out))


if __name__ == "__main__":
    assert isinstance(StrictSQLTrackerStore.fail_loudly, bool)
    asyncio.run(main())
