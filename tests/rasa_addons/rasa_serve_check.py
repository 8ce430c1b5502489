"""Run in the Rasa environment by test_serve.py: the launcher's speed-ups keep Rasa's behaviour.
Prints one JSON line."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def validation_messages(payloads: list) -> list:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction.__new__(RemoteAction)
    out = []
    for payload in payloads:
        try:
            out.append(action._validate_action_result(payload))
        except ValidationError as exc:
            out.append(f"{type(exc).__name__}: {exc.message} @ {list(exc.path)}")
    return out


def main() -> None:
    db = Path(sys.argv[1])
    payloads = [
        {"events": [{"event": "slot", "name": "dialogue", "value": "x", "timestamp": None}],
         "responses": [{"text": "Hallo"}]},
        {"events": [], "responses": []},
        {"events": [{"event": "slot"}], "responses": []},              # slot event without a name
        {"events": "nicht-eine-liste", "responses": []},
        {"events": [{"event": "unbekannt"}], "responses": [1]},
    ]
    before = validation_messages(payloads)
    from rasa_addons.serve import install_cached_action_validation, install_fast_model_load

    install_cached_action_validation()
    install_cached_action_validation()  # idempotent
    after = validation_messages(payloads)

    from rasa.nlu.utils.spacy_utils import SpacyNLP

    install_fast_model_load()
    first = SpacyNLP.load_model("de_buergerassistent_blank")
    second = SpacyNLP.load_model("de_buergerassistent_blank")

    from rasa_addons.tracker_store import RedactingSQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = RedactingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
    with store.engine.connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "synchronous", "busy_timeout")}
    print(json.dumps({"before": before, "after": after, "spacy_once": first is second,
                      "spacy_lang": first.model.lang, "pragmas": pragmas, "pool": type(store.engine.pool).__name__}))


if __name__ == "__main__":
    main()
