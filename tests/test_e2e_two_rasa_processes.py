"""The stack as ``make run`` starts it runs two Rasa processes (ADR 0017): both answer, the web
server routes each conversation to the process its sender hashes to, and both processes see every
conversation (one shared SQLite tracker store). Real model, real servers (the session ``stack``)."""
from __future__ import annotations

import json
import urllib.request

from assistant.rasa_routing import rasa_for


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def test_both_processes_answer_and_each_conversation_goes_to_its_own(stack) -> None:
    port = stack.web_url.rsplit(":", 1)[1]
    shards = json.loads((stack.var_dir / f"rasa-urls-{port}.json").read_text())
    assert len(shards) == 2 and shards[0] == stack.rasa_url
    for url in shards:
        assert _get(f"{url}/status?token={stack.rasa_token}")["model_file"]
    assert _get(f"{stack.web_url}/healthz")["checks"] == {"rasa": True, "rasa_2": True}

    owners: dict[str, str] = {}  # shard URL -> cookie jar of a conversation it owns
    for i in range(40):
        jar = f"two-proc-{i}"
        assert stack.chat("Hallo", sender=jar)
        owners.setdefault(rasa_for(stack.web_sender(jar), shards), jar)
        if len(owners) == 2:
            break
    assert len(owners) == 2, "40 new conversations all hashed to one process"
    for jar in owners.values():
        replies = stack.chat("Was kostet ein Reisepass?", sender=jar)
        assert any("Reisepass" in (m.get("text") or "") for m in replies), replies
        sender = stack.web_sender(jar)
        for any_process in shards:  # the shared tracker store: every process sees the conversation
            tracker = _get(f"{any_process}/conversations/{sender}/tracker?token={stack.rasa_token}")
            texts = [e.get("event") for e in tracker["events"] if e.get("event") == "user"]
            assert len(texts) == 2
