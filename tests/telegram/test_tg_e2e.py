"""End to end: the bridge against the REAL trained Rasa (``stack`` fixture), the fake Bot API,
and the real speech pipeline (Pico TTS → OGG/Opus voice note → Whisper)."""
from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from assistant.config import get_settings
from assistant.voice.service import speak
from channels.telegram import keyboard as kbd
from channels.telegram import texts

from fake_api import FakeTelegram

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture()
def stack_env(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The bridge process sees the same databases as the stack (for /loeschen and feedback)."""
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(stack.var_dir))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", stack.database_url)
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{stack.tracker_db}")
    get_settings.cache_clear()
    yield stack
    get_settings.cache_clear()


def tracker_events(stack: Any, sender: str) -> int:
    with sqlite3.connect(stack.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


async def test_typed_question_buttons_and_callback(fake_tg: FakeTelegram, stack_env: Any, bridge_settings,
                                                   run_bridge) -> None:
    chat = 5550001
    async with run_bridge(bridge_settings(stack_env.rasa_url, rasa_timeout=60)):
        fake_tg.send_text(chat, "Was brauche ich für einen Reisepass?")
        answer = await fake_tg.wait_for(lambda: next((c for c in fake_tg.calls_of("sendMessage", chat)
                                                      if c.buttons), None), 60, "an answer with buttons")
        assert "Reisepass" in answer.text
        choices = [b for b in answer.buttons if "callback_data" in b]
        assert choices, answer.buttons
        assert all(len(b["callback_data"].encode()) <= 64 for b in choices)
        before = len(fake_tg.calls_of("sendMessage", chat))
        message_id = max(m["message_id"] for m in fake_tg.messages.values()
                         if m.get("text") == answer.text and m["chat"]["id"] == chat)
        # the general list comes first, the personal checklist is offered as a button (ADR 0006)
        ja = next(b for b in choices if b["text"] == "Meine persönliche Liste")
        query_id = fake_tg.press_button(chat, message_id, ja["callback_data"])
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendMessage", chat)) > before, 60, "reply to the press")
    answered = [c for c in fake_tg.calls_of("answerCallbackQuery") if c.params["callback_query_id"] == query_id]
    assert answered and answered[0].params.get("text") == "Meine persönliche Liste"
    assert answered[0].at < fake_tg.calls_of("sendMessage", chat)[before].at  # answered before the reply
    reply = fake_tg.calls_of("sendMessage", chat)[before]
    assert reply.text and reply.text != answer.text
    assert texts.RASA_DOWN not in fake_tg.sent_texts(chat)


async def test_voice_note_is_transcribed_and_answered(fake_tg: FakeTelegram, stack_env: Any, bridge_settings,
                                                      run_bridge) -> None:
    chat = 5550002
    audio = speak("Wann hat das Bürgerbüro in Kleinwalde geöffnet", "ogg")
    assert audio[:4] == b"OggS"
    async with run_bridge(bridge_settings(stack_env.rasa_url, rasa_timeout=60)):
        fake_tg.send_voice(chat, audio, duration=3)
        understood = await fake_tg.wait_for_text("Ich habe verstanden:", chat, timeout=120)
        voices = await fake_tg.wait_for_calls("sendVoice", 1, chat, timeout=120)
    assert fake_tg.calls_of("getFile") and fake_tg.calls_of("download")
    assert "Kleinwalde" in understood.text and understood.text.endswith("“")
    messages = fake_tg.calls_of("sendMessage", chat)
    answer = messages[[m.text for m in messages].index(understood.text) + 1]
    assert "Kleinwalde" in answer.text and "Uhr" in answer.text  # the opening hours
    assert len(voices) == 1 and voices[0].files["voice"][:4] == b"OggS"
    assert voices[0].at > answer.at  # the spoken reply follows the written one
    print(understood.text, "→", answer.text[:80])


async def test_delete_removes_the_conversation(fake_tg: FakeTelegram, stack_env: Any, bridge_settings,
                                               run_bridge) -> None:
    chat = 5550003
    async with run_bridge(bridge_settings(stack_env.rasa_url, rasa_timeout=60)):
        fake_tg.send_text(chat, "Hallo")
        await fake_tg.wait_for(lambda: fake_tg.calls_of("sendMessage", chat), 60, "greeting")
        assert tracker_events(stack_env, f"tg:{chat}") > 0
        fake_tg.send_text(chat, "/loeschen")
        question = await fake_tg.wait_for_text("wirklich löschen", chat)
        message_id = max(m["message_id"] for m in fake_tg.messages.values() if m.get("text") == question.text)
        fake_tg.press_button(chat, message_id, kbd.DELETE_YES)
        await fake_tg.wait_for_text(texts.DELETED, chat)
    assert tracker_events(stack_env, f"tg:{chat}") == 0
