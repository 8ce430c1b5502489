"""Property-based tests of the web API (hypothesis): whatever a client sends – any JSON value, any
bytes, any headers – the answer is never a 5xx, every error is German JSON, and no message
reaches Rasa under a sender the client chose."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.german import looks_german
from tests.web.api_support import app_environment, web_client

pytestmark = pytest.mark.fuzz

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"message": json_values}, optional={"sender": json_values, "text": json_values,
                                                               "rating": json_values})
    .map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),
)
header_text = st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=";,"), max_size=60)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@pytest.fixture()
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    var = tmp_path / "var"
    app_environment(var, monkeypatch)
    return var


def check(status: int, ctype: str, raw: bytes) -> None:
    assert status < 500, raw[:300]
    if status >= 400:
        assert ctype.startswith("application/json"), ctype
        error = json.loads(raw)["error"]
        assert looks_german(error), error


@SETTINGS
@given(path=st.sampled_from(["/api/chat", "/api/feedback", "/api/tts"]), body=bodies,
       ctype=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]),
       cookie=st.one_of(st.none(), header_text), token=st.one_of(st.none(), header_text))
def test_api_never_fails_and_answers_in_german(var: Path, path: str, body: bytes, ctype: str,
                                                cookie: str | None, token: str | None) -> None:
    async def go() -> None:
        async with web_client(var) as (client, rasa):
            headers = {"Content-Type": ctype} if ctype else {}
            if cookie is not None:
                headers["Cookie"] = f"ba_conversation={cookie}"
            if token is not None:
                headers["X-Conversation-Token"] = token
            resp = await client.post(path, data=body, headers=headers)
            check(resp.status, resp.headers.get("Content-Type", ""), await resp.read())
            for sender, message in rasa.seen:
                assert sender.startswith("web:") and len(sender) == 28, sender
                assert "\x00" not in message and not any(0xD800 <= ord(c) <= 0xDFFF for c in message)

    asyncio.run(go())


@SETTINGS
@given(messages=st.lists(st.text(max_size=80), min_size=1, max_size=4))
def test_one_cookie_is_one_conversation(var: Path, messages: list[str]) -> None:
    async def go() -> None:
        async with web_client(var) as (client, rasa):
            for message in messages:
                resp = await client.post("/api/chat", data=json.dumps({"message": message, "sender": "tg:1"}),
                                         headers={"Content-Type": "application/json"})
                check(resp.status, resp.headers.get("Content-Type", ""), await resp.read())
            assert len({s for s, _ in rasa.seen}) <= 1

    asyncio.run(go())
