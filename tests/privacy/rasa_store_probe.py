"""Runs in the Rasa environment (.venv/rasa/bin/python): drives the real
rasa_addons.tracker_store.RedactingSQLTrackerStore for tests/privacy.

Usage: python rasa_store_probe.py CONFIG_JSON COMMAND [ARGS_JSON]
  CONFIG_JSON  tracker-store kwargs as in endpoints.yml, e.g. {"dialect": "sqlite", "db": "/tmp/t.db"}
  save         ARGS {"conversations": [{"sender": ..., "turns": [{"user": text, "bot": text,
               "flow": json-text, "ts": epoch, "session": true if a session starts here}]}]}
  append       ARGS {"sender": ..., "text": ...}: retrieve, add one user message, save
Prints one JSON line: {"events": number of events of the sender's tracker after the command}.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


async def main() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    from rasa_addons.tracker_store import RedactingSQLTrackerStore

    config = json.loads(sys.argv[1])
    command = sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    domain = Domain.load(str(ROOT / "domain.yml"))
    # as rasa.core.tracker_store does for a custom class: endpoints' ``url`` becomes ``host``
    store = RedactingSQLTrackerStore(domain=domain, host=config.pop("url", None), **config)
    if command == "save":
        conversations = args.get("conversations") or [{"sender": args["sender"], "turns": args["turns"]}]
        for conv in conversations:
            tracker = await store.get_or_create_tracker(conv["sender"], append_action_listen=False)
            for turn in conv["turns"]:
                ts = turn.get("ts")
                if turn.get("session"):
                    tracker.update(ActionExecuted("action_session_start", timestamp=ts))
                    tracker.update(SessionStarted(timestamp=ts))
                text = turn["user"]
                tracker.update(UserUttered(text, intent={"name": "inform", "confidence": 0.9},
                                           entities=[{"entity": "phone", "value": text, "start": 0, "end": len(text)}],
                                           parse_data={"text": text, "intent": {"name": "inform", "confidence": 0.9},
                                                       "entities": [{"entity": "phone", "value": text}]},
                                           timestamp=ts))
                if turn.get("flow"):
                    tracker.update(SlotSet("flow", turn["flow"], timestamp=ts))
                tracker.update(BotUttered(turn.get("bot", "ok"), timestamp=ts))
                tracker.update(ActionExecuted("action_listen", timestamp=ts))
            await store.save(tracker)
        sender = conversations[0]["sender"]
    elif command == "append":
        sender = args["sender"]
        tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
        tracker.update(UserUttered(args["text"], intent={"name": "inform", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    else:
        raise SystemExit(f"unknown command {command}")
    full = await store.retrieve_full_tracker(sender)
    print(json.dumps({"events": len(full.events) if full else 0}))


if __name__ == "__main__":
    asyncio.run(main())
