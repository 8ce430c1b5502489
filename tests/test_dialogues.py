"""Multi-turn conversations (tests/dialogues/*.yml) over REST against the real trained model:
one pytest case per conversation, each a fresh sender on the session's one stack."""
from __future__ import annotations

import uuid

import pytest

from tests.dialogue_suite import load_all

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

DIALOGUES = load_all()


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d.id for d in DIALOGUES])
def test_dialogue(stack, dialogue):
    from tests.dialogue_suite import run_dialogue

    sender = f"dlg-{uuid.uuid4().hex[:12]}"
    result = run_dialogue(dialogue, lambda message, s: stack.chat(message, s), sender)
    assert result.ok, "\n" + result.report()
