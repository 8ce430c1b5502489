"""The bridge cleans and caps what residents type before it reaches Rasa, and its senders are
``tg:<chat id>`` (the web channel can never produce one)."""
from __future__ import annotations

from typing import Any

import pytest
from fake_api import FakeTelegram
from fake_rasa import FakeRasa

from channels.telegram import texts
from channels.telegram.rasa_client import chat_of, sender_for

CHAT = 515151


@pytest.fixture()
async def rasa() -> Any:
    server = await FakeRasa(lambda m: [{"text": f"Antwort auf: {m}"}]).start()
    yield server
    await server.stop()


def test_sender_prefix_round_trip() -> None:
    assert sender_for(CHAT) == "tg:515151" and chat_of("tg:515151") == CHAT
    assert chat_of("515151") == CHAT  # reminder targets stored before the prefix


async def test_control_characters_and_surrogates_are_removed(fake_tg: FakeTelegram, rasa: FakeRasa,
                                                             bridge_settings, run_bridge, app_env) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "Reise\x00pass\u202e   beantragen\x07")
        await fake_tg.wait_for_text("Antwort auf: Reise pass beantragen")
    assert rasa.requests[-1]["message"] == "Reise pass beantragen"
    assert rasa.requests[-1]["sender"] == f"tg:{CHAT}"


async def test_overlong_message_is_refused_in_german(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings,
                                                     run_bridge, app_env, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings

    monkeypatch.setenv("ASSISTANT_MAX_MESSAGE_CHARS", "100")
    get_settings.cache_clear()
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "Reisepass " * 20)
        await fake_tg.wait_for_text("zu lang")
        fake_tg.send_text(CHAT, "Reisepass")
        await fake_tg.wait_for_text("Antwort auf: Reisepass")
    assert [r["message"] for r in rasa.requests] == ["Reisepass"]
    assert texts.MESSAGE_TOO_LONG.format(limit=100) in fake_tg.sent_texts(CHAT)
