"""assistant/rasa_routing.py: one conversation always reaches the same Rasa process, in every
process of the stack (a stable hash, not Python's randomised ``hash()``), and conversations spread
over all processes."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from assistant.config import ROOT, Settings
from assistant.rasa_routing import candidates, owner_index, rasa_for

URLS = ("http://127.0.0.1:5005", "http://127.0.0.1:5006")


def test_same_sender_same_process_across_interpreters() -> None:
    senders = [f"web:{uuid.uuid4().hex}" for _ in range(20)] + ["tg:12345", "web:ä-ö"]
    here = [owner_index(s, 2) for s in senders]
    code = ("import sys; from assistant.rasa_routing import owner_index; "
            "print(','.join(str(owner_index(s, 2)) for s in sys.argv[1:]))")
    for seed in ("1", "2"):  # a different hash seed per process must not change the owner
        out = subprocess.run([sys.executable, "-c", code, *senders], capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT)), cwd=ROOT)
        assert [int(x) for x in out.stdout.strip().split(",")] == here


def test_conversations_spread_over_both_processes() -> None:
    owners = [owner_index(f"web:{uuid.uuid4().hex}", 2) for _ in range(2000)]
    assert 800 < owners.count(0) < 1200


def test_candidates_start_with_the_owner_and_list_every_process_once() -> None:
    for sender in ("web:a", "web:b", "tg:1", "tg:2"):
        order = candidates(sender, URLS)
        assert order[0] == rasa_for(sender, URLS) and sorted(order) == sorted(URLS)
    assert candidates("web:x", URLS[:1]) == [URLS[0]]
    with pytest.raises(ValueError):
        rasa_for("web:x", ())


def test_settings_shard_urls_default_to_rasa_url() -> None:
    s = Settings().model_copy(update={"rasa_url": "http://127.0.0.1:7000/", "rasa_shard_urls_raw": ""})
    assert s.rasa_shard_urls == ("http://127.0.0.1:7000",)
    s = s.model_copy(update={"rasa_shard_urls_raw": " http://a:1/ ,http://b:2"})
    assert s.rasa_shard_urls == ("http://a:1", "http://b:2")
