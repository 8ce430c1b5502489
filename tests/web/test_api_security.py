"""Attacks on the web API fail: impersonation, deleting another resident's history, cross-site
and non-JSON posts, rate limits (behind a trusted proxy), streaming upload limits and invalid
input. Real web app (aiohttp test server), a fake Rasa REST channel, real SQLite."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from assistant.security.identity import COOKIE_NAME, HEADER_NAME
from tests.german import looks_german
from tests.web.api_support import add_tracker_events, app_environment, tracker_events, web_client


@pytest.fixture()
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    var = tmp_path / "var"
    app_environment(var, monkeypatch)
    return var


def german_error(body: dict) -> str:
    assert set(body) == {"error"}, body
    text = body["error"]
    assert looks_german(text), text
    return text


async def post_chat(client, message: str, **kw):
    resp = await client.post("/api/chat", json={"message": message, **kw.pop("extra", {})}, **kw)
    return resp, await resp.json()


# ------------------------------------------------------------------ identity

async def test_sender_in_body_is_ignored_and_server_issues_the_id(var: Path) -> None:
    async with web_client(var) as (client, rasa):
        resp, replies = await post_chat(client, "Hallo", extra={"sender": "tg:4242"})
        assert resp.status == 200
        sender = rasa.seen[-1][0]
        assert sender.startswith("web:") and "4242" not in sender
        morsel = resp.cookies[COOKIE_NAME]
        assert morsel["httponly"] and morsel["samesite"] == "Lax" and not morsel["secure"]
        # the cookie continues the same conversation; the body cannot switch it
        _, replies = await post_chat(client, "Weiter", extra={"sender": "tg:4242"})
        assert rasa.seen[-1][0] == sender and "Nachricht 2" in replies[0]["text"]
        assert all(s != "tg:4242" for s, _ in rasa.seen)


async def test_secure_cookie_when_public_url_is_https(var: Path) -> None:
    async with web_client(var, public_url="https://buergerassistent.example") as (client, _):
        resp, _ = await post_chat(client, "Hallo")
        assert resp.cookies[COOKIE_NAME]["secure"]


async def test_impersonation_with_forged_or_foreign_credentials_continues_nothing(var: Path) -> None:
    async with web_client(var) as (victim, rasa):
        await post_chat(victim, "Ich möchte einen Termin")
        victim_sender = rasa.seen[-1][0]
        token = victim.session.cookie_jar.filter_cookies(victim.make_url("/"))[COOKIE_NAME].value
        victim_id = token.split(".")[0]
        victim.session.cookie_jar.clear()  # from here on: the attacker, who knows the victim's id
        forged = [f"{victim_id}.AAAAAAAAAAAAAAAAAAAAAAAA", f"{victim_id}.", victim_id, "tg:4242", "4242",
                  f"{victim_id}.{token.split('.')[1][:-1]}x", "../../etc/passwd", "x" * 5000]
        for value in forged:
            victim.session.cookie_jar.clear()
            resp = await victim.post("/api/chat", json={"message": "/affirm", "sender": victim_sender},
                                     headers={"Cookie": f"{COOKIE_NAME}={value}"})
            assert resp.status == 200, value
            assert rasa.seen[-1][0] != victim_sender, value
            assert "Nachricht 1" in (await resp.json())[0]["text"]  # a brand-new conversation
        # the header form is checked the same way
        resp = await victim.post("/api/chat", json={"message": "/affirm"}, headers={HEADER_NAME: f"{victim_id}.x"})
        assert rasa.seen[-1][0] != victim_sender


async def test_cross_origin_widget_gets_a_signed_token_in_a_header(var: Path) -> None:
    origin = "https://gemeinde-kleinwalde.example"
    async with web_client(var, cors_origins=(origin,)) as (client, rasa):
        resp = await client.post("/api/chat", json={"message": "Hallo"}, headers={HEADER_NAME: "", "Origin": origin})
        token = resp.headers[HEADER_NAME]
        assert COOKIE_NAME not in resp.cookies
        assert resp.headers["Access-Control-Allow-Origin"] == origin
        assert HEADER_NAME in resp.headers["Access-Control-Expose-Headers"]
        first = rasa.seen[-1][0]
        resp = await client.post("/api/chat", json={"message": "Weiter"}, headers={HEADER_NAME: token, "Origin": origin})
        assert rasa.seen[-1][0] == first and HEADER_NAME not in resp.headers


async def test_deleting_needs_the_same_credential(var: Path) -> None:
    add_tracker_events(var, "tg:4242")
    async with web_client(var) as (client, rasa):
        # no credential: nothing is deleted
        for path in ("/api/conversation", "/api/conversation/tg:4242", "/api/conversation/4242"):
            resp = await client.delete(path)
            assert resp.status == 403 and "gehört nicht" in german_error(await resp.json())
        assert tracker_events(var, "tg:4242") == 3
        await post_chat(client, "Hallo")
        mine = rasa.seen[-1][0]
        add_tracker_events(var, mine, 2)
        # with my own credential I still cannot name someone else's conversation
        resp = await client.delete("/api/conversation/tg:4242")
        assert resp.status == 403
        assert tracker_events(var, "tg:4242") == 3
        resp = await client.delete("/api/conversation")
        assert resp.status == 200 and (await resp.json())["deleted"]["events"] == 2
        assert tracker_events(var, mine) == 0 and tracker_events(var, "tg:4242") == 3
        # the cookie is gone: the next message is a new conversation
        await post_chat(client, "Hallo")
        assert rasa.seen[-1][0] != mine


async def test_feedback_is_recorded_for_the_own_conversation_only(var: Path) -> None:
    async with web_client(var) as (client, rasa):
        resp = await client.post("/api/feedback", json={"rating": "up", "text": "x", "sender": "tg:4242"})
        assert resp.status == 403
        await post_chat(client, "Hallo")
        for text in ("Danke\x00", "kaputt \ud800 text", "ok"):
            resp = await client.post("/api/feedback", data=json.dumps({"rating": "down", "text": text}),
                                     headers={"Content-Type": "application/json"})
            assert resp.status == 200, await resp.text()
        from assistant.feedback import Feedback, sender_hash
        from assistant.db import get_sessionmaker

        with get_sessionmaker()() as session:
            rows = session.query(Feedback).all()
        assert {r.sender_hash for r in rows} == {sender_hash(rasa.seen[-1][0])}
        assert all("\x00" not in r.bot_text and "\ud800" not in r.bot_text for r in rows)


# ------------------------------------------------------------------ request hygiene

@pytest.mark.parametrize("ctype, data", [
    ("text/plain", '{"message": "Hallo"}'),
    ("application/x-www-form-urlencoded", "message=Hallo"),
    ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=message\r\n\r\nHallo\r\n--x--"),
])
async def test_chat_is_json_only(var: Path, ctype: str, data: str) -> None:
    async with web_client(var) as (client, rasa):
        resp = await client.post("/api/chat", data=data, headers={"Content-Type": ctype})
        assert resp.status == 415
        assert "JSON" in german_error(await resp.json())
        assert rasa.seen == []


async def test_chat_checks_the_origin(var: Path) -> None:
    async with web_client(var, cors_origins=("https://gemeinde.example",)) as (client, rasa):
        resp = await client.post("/api/chat", json={"message": "Hallo"}, headers={"Origin": "https://evil.example"})
        assert resp.status == 403 and "nicht erlaubt" in german_error(await resp.json())
        resp = await client.delete("/api/conversation", headers={"Origin": "https://evil.example"})
        assert resp.status == 403
        assert rasa.seen == []
        for ok in ("https://gemeinde.example", str(client.make_url("")).rstrip("/")):
            resp = await client.post("/api/chat", json={"message": "Hallo"}, headers={"Origin": ok})
            assert resp.status == 200, ok


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"message": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"k": {"l": {"m": {"n": {"o": {"p": {"q": {"r": {"s": {"t": {"u": 1}}}}}}}}}}}}}}}}}}}}}}',
    b"\x00\xff not json", b"[]", b'"Hallo"', b"null", b"{", b'{"message": 12}', b'{"message": null}',
    b'{"message": "\\u0000\\u0001"}', b'{"message": "   "}',
])
async def test_malformed_chat_bodies_get_german_4xx(var: Path, body: bytes) -> None:
    async with web_client(var) as (client, rasa):
        resp = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
        assert 400 <= resp.status < 500
        german_error(await resp.json())
        assert rasa.seen == []


async def test_message_is_cleaned_and_capped_before_rasa(var: Path) -> None:
    async with web_client(var, max_message_chars=50) as (client, rasa):
        resp, _ = await post_chat(client, "Reise\x00pass \ud800 beantragen\u202e \x07bitte")
        assert resp.status == 200
        assert rasa.seen[-1][1] == "Reise pass beantragen bitte"
        resp, body = await post_chat(client, "a" * 51)
        assert resp.status == 413 and "zu lang" in german_error(body)
        assert len(rasa.seen) == 1


@pytest.mark.parametrize("path", ["/liste/%00", "/liste/" + "x" * 200, "/gibtsnicht", "/termin/%00.ics",
                                  "/static/../../etc/passwd", "/liste/abc%ff"])
async def test_german_error_pages(var: Path, path: str) -> None:
    async with web_client(var) as (client, _):
        resp = await client.get(path)
        assert resp.status == 404
        html = await resp.text()
        assert 'lang="de"' in html and ("gibt es nicht" in html) and "Not Found" not in html
        assert "Content-Security-Policy" in resp.headers


async def test_unknown_api_route_and_method_are_german_json(var: Path) -> None:
    async with web_client(var) as (client, _):
        resp = await client.get("/api/chat")
        assert resp.status == 405 and "nicht möglich" in german_error(await resp.json())
        resp = await client.get("/api/nichts")
        assert resp.status in (404, 405)  # OPTIONS /api/{tail} exists for CORS preflights
        german_error(await resp.json())


async def test_tts_of_text_with_nul_and_surrogate(var: Path) -> None:
    async with web_client(var) as (client, _):
        resp = await client.post("/api/tts?format=wav", data=json.dumps({"text": "Guten\x00 Tag \ud800"}),
                                 headers={"Content-Type": "application/json"})
        assert resp.status in (200, 503), await resp.text()
        if resp.status == 200:
            assert (await resp.read())[:4] == b"RIFF"
        else:
            german_error(await resp.json())
        resp = await client.post("/api/tts", json={"text": "\x00\x01"})
        assert resp.status == 400 and "Kein Text" in german_error(await resp.json())
        resp = await client.post("/api/tts", json={"text": "😀 ⃝ ||| ∷"})  # nothing a voice can say
        assert resp.status == 400 and "Vorlesen" in german_error(await resp.json())


# ------------------------------------------------------------------ rate limits

async def test_rate_limit_per_conversation(var: Path) -> None:
    async with web_client(var, chat_rate_per_conversation=3) as (client, rasa):
        for _ in range(3):
            resp, _ = await post_chat(client, "Hallo")
            assert resp.status == 200
        resp, body = await post_chat(client, "Hallo")
        assert resp.status == 429 and "Zu viele" in german_error(body)
        # another resident at the same address still gets answers
        client.session.cookie_jar.clear()
        resp, _ = await post_chat(client, "Hallo")
        assert resp.status == 200


async def test_new_conversations_per_address_are_limited(var: Path) -> None:
    async with web_client(var, new_conversations_per_minute=2) as (client, _):
        for _ in range(2):
            client.session.cookie_jar.clear()
            resp, _ = await post_chat(client, "Hallo")
            assert resp.status == 200
        client.session.cookie_jar.clear()
        resp, body = await post_chat(client, "Hallo")
        assert resp.status == 429 and "neue Gespräche" in german_error(body)


async def test_rate_limit_per_address_behind_a_trusted_proxy(var: Path) -> None:
    async with web_client(var, chat_rate_per_minute=2, trusted_proxies=("127.0.0.1", "10.0.0.0/8")) as (client, _):
        def via(addr: str) -> dict:
            return {"headers": {"X-Forwarded-For": f"{addr}, 10.1.2.3"}}

        for _ in range(2):
            assert (await post_chat(client, "Hallo", **via("203.0.113.7")))[0].status == 200
        assert (await post_chat(client, "Hallo", **via("203.0.113.7")))[0].status == 429
        # another resident behind the same proxy has an own budget
        assert (await post_chat(client, "Hallo", **via("198.51.100.9")))[0].status == 200
        # a client cannot reset its budget by prepending fake hops: the right-most untrusted hop counts
        resp, _ = await post_chat(client, "Hallo", headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7, 10.1.2.3"})
        assert resp.status == 429


async def test_forwarded_for_is_ignored_from_untrusted_peers(var: Path) -> None:
    async with web_client(var, chat_rate_per_minute=2, trusted_proxies=("10.0.0.1",)) as (client, _):
        for i in range(2):
            assert (await post_chat(client, "Hallo", headers={"X-Forwarded-For": f"203.0.113.{i}"}))[0].status == 200
        resp, _ = await post_chat(client, "Hallo", headers={"X-Forwarded-For": "203.0.113.99"})
        assert resp.status == 429


# ------------------------------------------------------------------ speech upload

def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    """8-bit mono PCM silence with a quiet tone: 8 kB per second."""
    n = int(seconds * rate)
    data = bytes(128 + (20 if (i // 20) % 2 else -20) for i in range(n))
    header = b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
    return header + b"data" + struct.pack("<I", n) + data


async def chunks(data: bytes, size: int = 65536):
    for i in range(0, len(data), size):
        yield data[i:i + size]


async def test_stt_reads_the_whole_streamed_upload(var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.voice import service as voice
    from assistant.voice.stt import Transcript

    received: list[int] = []

    async def fake_transcribe(data: bytes, terms=None):
        received.append(len(data))
        return Transcript(text="Guten Tag", raw_text="Guten Tag", duration=31.0, language="de",
                          language_probability=0.99, processing_seconds=0.1)

    monkeypatch.setattr(voice, "transcribe_bytes_async", fake_transcribe)
    audio = wav_bytes(31)
    async with web_client(var) as (client, _):
        resp = await client.post("/api/stt", data=chunks(audio), headers={"Content-Type": "audio/wav"})
        assert resp.status == 200, await resp.text()
        assert received == [len(audio)]  # not just what happened to be buffered


async def test_stt_chunked_upload_over_the_limit_is_413(var: Path) -> None:
    async with web_client(var, stt_max_bytes=5_000_000) as (client, _):
        resp = await client.post("/api/stt", data=chunks(b"\x00" * 8_000_000), headers={"Content-Type": "audio/ogg"})
        assert resp.status == 413
        assert "zu groß" in german_error(await resp.json())
        resp = await client.post("/api/stt", data=b"\x00" * 5_000_001, headers={"Content-Type": "audio/ogg"})
        assert resp.status == 413


async def test_stt_ten_minute_recording_is_too_long_not_silence(var: Path) -> None:
    async with web_client(var) as (client, _):
        resp = await client.post("/api/stt", data=chunks(wav_bytes(600)), headers={"Content-Type": "audio/wav"})
        assert resp.status == 422
        assert "zu lang" in german_error(await resp.json())


@pytest.mark.parametrize("data", [b"", b"\x00" * 1000, b"OggS" + b"\xff" * 5000, b"RIFF\x00\x00\x00\x00WAVE",
                                  b"\x1aE\xdf\xa3" + b"\x00" * 300])
async def test_stt_broken_audio_is_german_422(var: Path, data: bytes) -> None:
    async with web_client(var) as (client, _):
        resp = await client.post("/api/stt", data=data, headers={"Content-Type": "audio/webm"})
        assert resp.status in (413, 422)
        german_error(await resp.json())


def test_rate_limiter_forgets_idle_conversations() -> None:
    from assistant.web.ratelimit import RateLimiter

    limiter = RateLimiter(5)
    for i in range(10_500):
        limiter.allow(f"conv-{i}", now=float(i) / 100)  # 105 s of traffic, each conversation once
    assert len(limiter._hits) < 10_000
    assert all(limiter.allow("x", now=200.0) for _ in range(5))
    assert not limiter.allow("x", now=200.5)  # the limit still holds for an active conversation
