"""The bridge against the fake Bot API and a tiny fake Rasa (fast, no model needed)."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fake_api import FakeTelegram
from fake_rasa import FakeRasa, free_port

from assistant.voice.errors import VoiceInputError
from channels.telegram import bridge as bridge_mod
from channels.telegram import keyboard as kbd
from channels.telegram import texts
from channels.telegram.bridge import RedactToken, configure_logging

CHAT = 424242
SLOT_PAYLOAD = '/inform{"option": "slot:kleinwalde_buergerbuero|20261201T0800Z", "note": "' + "x" * 200 + '"}'


def rasa_reply(message: str) -> list[dict[str, Any]]:
    if message == "lang":
        return [{"text": "\n\n".join(f"Absatz {i}: " + "Das ist ein langer Satz. " * 40 for i in range(10))}]
    if message == "termine":
        return [{"text": "Freie Termine:", "buttons": [{"title": "Di., 01.12., 9:00 Uhr", "payload": SLOT_PAYLOAD},
                                                       {"title": "Online", "type": "web_url",
                                                        "url": "https://www.musterland.example/termin"}]}]
    if message == "leer":
        return []
    return [{"text": f"Antwort auf: {message}"}]


@pytest.fixture()
async def rasa() -> Any:
    server = await FakeRasa(rasa_reply).start()
    yield server
    await server.stop()


async def test_text_is_forwarded_and_answered(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "Was kostet ein Reisepass?")
        call = await fake_tg.wait_for_text("Antwort auf: Was kostet ein Reisepass?")
    assert rasa.requests == [{"sender": f"tg:{CHAT}", "message": "Was kostet ein Reisepass?", "input_channel": "telegram"}]
    # a plain answer gets the thumbs up/down row
    assert [b["callback_data"] for b in call.buttons] == [kbd.FEEDBACK_UP, kbd.FEEDBACK_DOWN]
    assert "parse_mode" not in call.params  # plain text: nothing to escape, URLs are auto-linked
    assert fake_tg.calls_of("setMyCommands")


async def test_buttons_and_callback(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "termine")
        call = await fake_tg.wait_for_text("Freie Termine:")
        slot, online = call.buttons
        assert slot["text"] == "Di., 01.12., 9:00 Uhr"
        assert len(slot["callback_data"].encode()) <= 64 < len(SLOT_PAYLOAD.encode())
        assert online == {"text": "Online", "url": "https://www.musterland.example/termin"}
        message_id = fake_tg.calls[-1:][0] and [m for m in fake_tg.messages.values() if m.get("text") == "Freie Termine:"][0]["message_id"]
        query_id = fake_tg.press_button(CHAT, message_id, slot["callback_data"])
        await fake_tg.wait_for(lambda: len(rasa.requests) == 2, what="payload at Rasa")
        await fake_tg.wait_for_text(f"Antwort auf: {SLOT_PAYLOAD}")
    answers = fake_tg.calls_of("answerCallbackQuery")
    assert [a.params["callback_query_id"] for a in answers] == [query_id]
    assert answers[0].params.get("text") == "Di., 01.12., 9:00 Uhr"
    assert rasa.requests[1]["message"] == SLOT_PAYLOAD


async def test_unknown_callback_key_is_answered(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        query_id = fake_tg.press_button(CHAT, 1, "p:doesnotexist")
        answers = await fake_tg.wait_for_calls("answerCallbackQuery")
    assert answers[0].params["callback_query_id"] == query_id
    assert answers[0].params["text"] == texts.BUTTON_EXPIRED
    assert rasa.requests == []


async def test_long_reply_is_split(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "lang")
        await fake_tg.wait_for_text("Absatz 9:")
        await asyncio.sleep(0.2)
    sent = fake_tg.calls_of("sendMessage")
    assert len(sent) >= 3
    assert all(len(c.text) <= 4096 for c in sent)
    assert all(c.text.startswith("Absatz") for c in sent)
    assert all(c.reply_markup is None for c in sent[:-1]) and sent[-1].buttons  # keyboard under the last piece


async def test_typed_payloads_and_unknown_commands_are_not_forwarded(fake_tg: FakeTelegram, rasa: FakeRasa,
                                                                      bridge_settings, run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "/affirm")
        fake_tg.push_update({"message": fake_tg._user_message(CHAT, text='/inform{"option": "x"}')})  # no entity
        await fake_tg.wait_for(lambda: len(fake_tg.sent_texts()) == 2, what="two replies")
    assert fake_tg.sent_texts() == [texts.UNKNOWN_COMMAND, texts.UNKNOWN_COMMAND]
    assert rasa.requests == []


async def test_empty_rasa_answer(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge) -> None:
    """Rasa's HTTP 200 [] means a failed action or store: the resident hears of a disturbance
    (retry in a minute, a phone number), not "formulieren Sie anders"."""
    settings = dataclasses.replace(bridge_settings(rasa.url), outage_phone="030 23125 100")
    async with run_bridge(settings):
        fake_tg.send_text(CHAT, "leer")
        await fake_tg.wait_for_text(texts.outage("030 23125 100"))
    assert "Störung" in texts.outage("x") and "in einer Minute" in texts.outage("x")


async def test_429_is_retried_after_retry_after(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings,
                                                run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.inject_429("sendMessage", retry_after=1)
        fake_tg.send_text(CHAT, "Hallo")
        await fake_tg.wait_for_text("Antwort auf: Hallo")
    attempts = [c for c in fake_tg.calls if c.method == "sendMessage"]
    assert [c.error for c in attempts] == [429, None]
    assert attempts[0].text == attempts[1].text
    assert attempts[1].at - attempts[0].at >= 1.0


async def test_429_on_answer_callback_query(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings,
                                            run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "termine")
        call = await fake_tg.wait_for_text("Freie Termine:")
        fake_tg.inject_429("answerCallbackQuery", retry_after=1)
        fake_tg.press_button(CHAT, 1000, call.buttons[0]["callback_data"])
        await fake_tg.wait_for_calls("answerCallbackQuery")
        await fake_tg.wait_for_text(f"Antwort auf: {SLOT_PAYLOAD}")
    assert [c.error for c in fake_tg.calls if c.method == "answerCallbackQuery"] == [429, None]


async def test_network_error_is_retried_with_backoff(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings,
                                                     run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.inject_error("sendMessage", 502, "Bad Gateway")  # PTB raises NetworkError for 502
        fake_tg.send_text(CHAT, "Hallo")
        await fake_tg.wait_for_text("Antwort auf: Hallo")
    assert [c.error for c in fake_tg.calls if c.method == "sendMessage"] == [502, None]


async def test_bad_request_is_not_retried(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="channels.telegram.bridge")
    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.inject_error("sendMessage", 400, "Bad Request: chat not found")
        fake_tg.send_text(CHAT, "Hallo")
        await fake_tg.wait_for_text(texts.INTERNAL_ERROR)  # the error handler tells the resident
    assert [c.error for c in fake_tg.calls if c.method == "sendMessage"] == [400, None]
    assert "error while handling update" in caplog.text


async def test_rasa_down_outbox_then_delivered(fake_tg: FakeTelegram, bridge_settings, run_bridge) -> None:
    port = free_port()  # nothing listens here: connection refused
    settings = bridge_settings(f"http://127.0.0.1:{port}", outbox_retry_interval=0.3)
    async with run_bridge(settings) as bridge:
        fake_tg.send_text(CHAT, "Wann hat das Bürgerbüro offen?")
        await fake_tg.wait_for_text(texts.RASA_DOWN)
        assert texts.RASA_DOWN.startswith("Ich bin gerade nicht erreichbar")
        items = bridge.state.outbox_items()
        assert [(i.chat_id, i.text) for i in items] == [(CHAT, "Wann hat das Bürgerbüro offen?")]
        await asyncio.sleep(0.8)  # the retry task tries (and fails) a few times
        assert len(bridge.state.outbox_items()) == 1
        # Rasa comes back on the same address
        rasa = await FakeRasa(rasa_reply, port=port).start()
        try:
            await fake_tg.wait_for_text("Antwort auf: Wann hat das Bürgerbüro offen?", timeout=10)
            await fake_tg.wait_for(lambda: not bridge.state.outbox_items(), what="empty outbox")
        finally:
            await rasa.stop()
    texts_sent = fake_tg.sent_texts(CHAT)
    assert texts_sent[0] == texts.RASA_DOWN
    assert texts_sent[1] == texts.outbox_answer_intro("Wann hat das Bürgerbüro offen?")
    assert texts_sent[2] == "Antwort auf: Wann hat das Bürgerbüro offen?"
    assert rasa.requests == [{"sender": f"tg:{CHAT}", "message": "Wann hat das Bürgerbüro offen?",
                              "input_channel": "telegram"}]


async def test_rasa_5xx_keeps_order_with_next_message(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings,
                                                      run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url)) as bridge:
        rasa.fail_status = 503
        fake_tg.send_text(CHAT, "erste Frage")
        await fake_tg.wait_for_text(texts.RASA_DOWN)
        assert [i.text for i in bridge.state.outbox_items(CHAT)] == ["erste Frage"]
        rasa.fail_status = None
        fake_tg.send_text(CHAT, "zweite Frage")  # the pending one is answered first
        await fake_tg.wait_for_text("Antwort auf: zweite Frage")
        assert not bridge.state.outbox_items()
    assert [r["message"] for r in rasa.requests] == ["erste Frage", "erste Frage", "zweite Frage"]
    sent = fake_tg.sent_texts(CHAT)
    assert sent.index("Antwort auf: erste Frage") < sent.index("Antwort auf: zweite Frage")


async def test_outbox_max_age_asks_to_resend(fake_tg: FakeTelegram, bridge_settings, run_bridge) -> None:
    settings = bridge_settings(f"http://127.0.0.1:{free_port()}", outbox_max_age=60)
    async with run_bridge(settings) as bridge:
        bridge.state.outbox_add(CHAT, "alte Frage", False, now=time.time() - 3600)
        await bridge.flush_outbox(bridge.application.bot)
        await fake_tg.wait_for_text("alte Frage")
        assert not bridge.state.outbox_items()
    assert fake_tg.sent_texts(CHAT) == [texts.outbox_expired("alte Frage")]
    assert "Bitte schicken Sie sie noch einmal" in fake_tg.sent_texts(CHAT)[0]


async def test_commands(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge) -> None:
    async with run_bridge(bridge_settings(rasa.url, retention_days=14)) as bridge:
        fake_tg.send_text(CHAT, "/start")
        start = await fake_tg.wait_for_text("Guten Tag")
        fake_tg.send_text(CHAT, "/hilfe")
        await fake_tg.wait_for_text("So können Sie mich fragen")
        fake_tg.send_text(CHAT, "/datenschutz")
        privacy = await fake_tg.wait_for_text("Was ich speichere")
        fake_tg.send_text(CHAT, "/stimme aus")
        await fake_tg.wait_for_text(texts.VOICE_OFF)
        assert bridge.state.voice_replies(CHAT) is False
        fake_tg.send_text(CHAT, "/stimme")
        await fake_tg.wait_for_text("Sprachantworten sind gerade aus")
        fake_tg.send_text(CHAT, "/stimme an")
        await fake_tg.wait_for_text(texts.VOICE_ON)
        assert bridge.state.voice_replies(CHAT) is True
        # a start button sends its payload to Rasa
        fake_tg.press_button(CHAT, 1000, start.buttons[1]["callback_data"])
        await fake_tg.wait_for(lambda: rasa.requests, what="Rasa request")
    assert "/datenschutz" in start.text and "/loeschen" in start.text
    assert "14 Tage nach dem Termin" in privacy.text and "keine Daten an Dritte" in privacy.text
    assert rasa.requests[0]["message"] == '/ask_documents{"service": "reisepass"}'


async def test_delete_asks_then_deletes(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge,
                                        app_env, monkeypatch: pytest.MonkeyPatch) -> None:
    deleted: list[str] = []

    def fake_delete(sender: str, settings: Any) -> dict[str, int]:
        deleted.append(sender)
        return {"events": 3}

    monkeypatch.setattr("assistant.privacy.delete_conversation", fake_delete)
    async with run_bridge(bridge_settings(rasa.url)) as bridge:
        bridge.state.set_voice_replies(CHAT, False)
        fake_tg.send_text(CHAT, "/loeschen")
        question = await fake_tg.wait_for_text("wirklich löschen")
        assert deleted == []
        yes = [b for b in question.buttons if b["callback_data"] == kbd.DELETE_YES][0]
        message_id = [m for m in fake_tg.messages.values() if m.get("text") == question.text][0]["message_id"]
        fake_tg.press_button(CHAT, message_id, yes["callback_data"])
        await fake_tg.wait_for_text(texts.DELETED)
        assert bridge.state.voice_replies(CHAT) is True  # the preference is gone too
        fake_tg.send_text(CHAT, "/loeschen")
        await fake_tg.wait_for(lambda: len([t for t in fake_tg.sent_texts() if "wirklich" in t]) == 2)
        fake_tg.press_button(CHAT, message_id, kbd.DELETE_NO)
        await fake_tg.wait_for_text(texts.DELETE_CANCELLED)
    assert deleted == [f"tg:{CHAT}", str(CHAT)]  # and the id used before the prefix
    assert len(fake_tg.calls_of("answerCallbackQuery")) == 2
    assert fake_tg.calls_of("editMessageReplyMarkup")


async def test_feedback_buttons_store_feedback(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge,
                                               app_env) -> None:
    from sqlalchemy import select

    from assistant.db import get_sessionmaker
    from assistant.feedback import Feedback

    async with run_bridge(bridge_settings(rasa.url)):
        fake_tg.send_text(CHAT, "Hallo")
        answer = await fake_tg.wait_for_text("Antwort auf: Hallo")
        message_id = [m for m in fake_tg.messages.values() if m.get("text") == answer.text][0]["message_id"]
        fake_tg.press_button(CHAT, message_id, kbd.FEEDBACK_DOWN)
        edit = (await fake_tg.wait_for_calls("editMessageReplyMarkup"))[0]
    answered = fake_tg.calls_of("answerCallbackQuery")[0]
    assert answered.params["text"] == texts.FEEDBACK_THANKS
    assert edit.params["message_id"] == message_id and not edit.params.get("reply_markup", {}).get("inline_keyboard")
    with get_sessionmaker()() as session:
        rows = session.scalars(select(Feedback)).all()
    assert [(r.rating, r.channel, r.bot_text) for r in rows] == [("down", "telegram", "Antwort auf: Hallo")]
    assert rows[0].sender_hash != str(CHAT)


async def test_voice_note_with_stubbed_speech(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[bytes] = []
    spoken: list[str] = []

    async def transcribe(data: bytes) -> Any:
        heard.append(data)
        if data == b"noise":
            raise VoiceInputError("no speech", reason="no_speech")
        return type("T", (), {"text": " Wann hat  das Amt offen? "})()

    async def speak(text: str, fmt: str = "ogg") -> bytes:
        spoken.append(text)
        return b"OggS-fake-voice"

    monkeypatch.setattr(bridge_mod.voice, "transcribe_bytes_async", transcribe)
    monkeypatch.setattr(bridge_mod.voice, "speak_async", speak)
    async with run_bridge(bridge_settings(rasa.url)) as bridge:
        fake_tg.send_voice(CHAT, b"OggS-question")
        await fake_tg.wait_for_calls("sendVoice")
        fake_tg.send_voice(CHAT, b"noise")
        await fake_tg.wait_for_text(VoiceInputError("x").user_message)
        bridge.state.set_voice_replies(CHAT, False)
        fake_tg.send_voice(CHAT, b"OggS-again")
        await fake_tg.wait_for(lambda: len(rasa.requests) == 2, what="second voice question")
        await fake_tg.wait_for(lambda: fake_tg.sent_texts().count("Antwort auf: Wann hat das Amt offen?") == 2)
        await asyncio.sleep(0.2)
    assert heard == [b"OggS-question", b"noise", b"OggS-again"]
    sent = fake_tg.sent_texts(CHAT)
    assert sent[0] == "Ich habe verstanden: „Wann hat das Amt offen?“"
    assert sent[1] == "Antwort auf: Wann hat das Amt offen?"
    assert spoken == ["Antwort auf: Wann hat das Amt offen?"]
    voices = fake_tg.calls_of("sendVoice")
    assert len(voices) == 1 and voices[0].files["voice"] == b"OggS-fake-voice"
    assert [c.params["path"] for c in fake_tg.calls_of("download")][0].startswith("voice/")


async def test_reminders_sent_once(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings, run_bridge, app_env,
                                   kb) -> None:
    from assistant.booking.models import Appointment
    from assistant.db import get_sessionmaker

    tz = ZoneInfo("Europe/Berlin")
    now = dt.datetime(2026, 11, 30, 10, 0, tzinfo=tz)
    start = dt.datetime(2026, 12, 1, 9, 30, tzinfo=tz).astimezone(dt.timezone.utc).replace(tzinfo=None)
    office_id = "kleinwalde_buergerbuero"
    sm = get_sessionmaker()
    with sm() as session:
        session.add_all([
            Appointment(code="ABC234", office_id=office_id, service_slug="reisepass", start=start,
                        end=start + dt.timedelta(minutes=20), counter=1, channel="telegram",
                        reminder_target=str(CHAT), created_at=start - dt.timedelta(days=3)),
            Appointment(code="XYZ789", office_id=office_id, service_slug="reisepass",
                        start=start + dt.timedelta(days=1), end=start + dt.timedelta(days=1, minutes=20), counter=1,
                        channel="telegram", reminder_target=str(CHAT), created_at=start),
            Appointment(code="WEB234", office_id=office_id, service_slug="reisepass", start=start,
                        end=start + dt.timedelta(minutes=20), counter=2, channel="web", created_at=start),
        ])
        session.commit()
    async with run_bridge(bridge_settings(rasa.url), kb_loader=lambda: kb) as bridge:
        assert await bridge.send_reminders(bridge.application.bot, now) == 1
        assert await bridge.send_reminders(bridge.application.bot, now) == 0
    (text,) = fake_tg.sent_texts(CHAT)
    office = kb.offices[office_id]
    assert text.startswith("Erinnerung: Ihr Termin morgen, Dienstag, 1. Dezember, um 9:30 Uhr")
    assert office.name in text and office.address.street in text
    assert "ABC234" in text and "XYZ789" not in text


def test_token_is_redacted_and_httpx_quiet(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456:SECRET-token"
    configure_logging("INFO", token)
    assert logging.getLogger("httpx").level == logging.WARNING
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", ("https://api/bot123456:SECRET-token/getMe",),
                               None)
    RedactToken(token).filter(record)
    assert record.getMessage() == "GET https://api/bot<token>/getMe"


async def test_background_tasks_send_reminders_and_stop(fake_tg: FakeTelegram, rasa: FakeRasa, bridge_settings,
                                                        run_bridge, app_env, kb) -> None:
    from assistant.booking.models import Appointment
    from assistant.db import get_sessionmaker

    tz = ZoneInfo("Europe/Berlin")
    tomorrow = dt.datetime.now(tz).replace(hour=11, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    start = tomorrow.astimezone(dt.timezone.utc).replace(tzinfo=None)
    with get_sessionmaker()() as session:
        session.add(Appointment(code="LOOP23", office_id="kleinwalde_buergerbuero", service_slug="reisepass",
                                start=start, end=start + dt.timedelta(minutes=20), counter=1, channel="telegram",
                                reminder_target=f"tg:{CHAT}", created_at=start))
        session.commit()
    settings = bridge_settings(rasa.url, reminder_interval=0.05, outbox_retry_interval=0.05,
                               reminder_from_hour=0, reminder_until_hour=24)
    async with run_bridge(settings, kb_loader=lambda: kb) as bridge:
        tasks = list(bridge._tasks)
        assert len(tasks) == 2 and not any(t.done() for t in tasks)
        await fake_tg.wait_for_text("LOOP23", CHAT)
        await asyncio.sleep(0.3)  # several more rounds: still only one reminder
    assert len([t for t in fake_tg.sent_texts(CHAT) if "LOOP23" in t]) == 1
    assert all(t.done() for t in tasks) and bridge._tasks == []
