"""Run inside the Rasa environment by test_bounded_tracker_store.py (prints one JSON line)."""
from __future__ import annotations

import asyncio
import json
import sys

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from rasa_addons.tracker_store import RedactingSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, inform]
slots:
  municipality: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  flow: {type: any, influence_conversation: false, mappings: [{type: custom}]}
  untouched: {type: text, influence_conversation: false, mappings: [{type: custom}]}
responses:
  utter_greet: [{text: "Hallo"}]
""")


async def main(db: str, limit: int, turns: int) -> dict:
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db, checkpoint_events=limit)
    sizes = []
    for i in range(turns):
        tracker = await store.get_or_create_tracker("resident-1")
        sizes.append(len(tracker.events))
        tracker.update(UserUttered(f"nachricht {i}", {"name": "inform", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(SlotSet("municipality", "kleinwalde"))
        tracker.update(SlotSet("flow", {"type": "checklist", "turn": i}))
        tracker.update(BotUttered(f"antwort {i}"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    final = await store.retrieve("resident-1")
    full = await store.retrieve_full_tracker("resident-1")
    users = [e.text for e in full.events if isinstance(e, UserUttered)]
    return {"sizes": sizes, "municipality": final.get_slot("municipality"), "flow": final.get_slot("flow"),
            "untouched": final.get_slot("untouched"), "users_in_full": len(users),
            "last_user": users[-1] if users else None}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))))
