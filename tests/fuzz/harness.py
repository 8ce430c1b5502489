"""Bounded fuzz runs against the running stack, one per channel: the web API, Rasa's REST
channel (+ ``/model/parse``), the Telegram bridge (against the fake Bot API) and the speech
upload. Each returns a :class:`Report` with the counts; the pytest test and scripts/fuzz.py
print them and the test asserts 0 server errors, 0 crashes and only German replies.

Batching: many concurrent clients, and most inputs are the cheap hostile kind (broken bodies,
forged credentials, wrong types, overlong texts) that must be refused before Rasa; a share of
every channel's inputs (``rasa_share``) are fuzzed messages that go through the real model."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import aiohttp

from tests.fuzz.inputs import Inputs
from tests.german import looks_german

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Report:
    channel: str
    inputs: int = 0
    to_rasa: int = 0
    status: Counter = field(default_factory=Counter)
    server_errors: int = 0
    crashes: int = 0
    non_german: int = 0
    replies: int = 0
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rss_growth_mb: dict[str, float] = field(default_factory=dict)

    def bad(self, kind: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 12:
            self.examples.append(f"{kind}: {detail[:300]}")

    def check_reply_texts(self, texts: list[str], what: str) -> None:
        for text in texts:
            self.replies += 1
            if not looks_german(text):
                self.bad("non_german", f"{what} -> {text!r}")

    def line(self) -> str:
        rss = ", ".join(f"{k} {v:+.0f} MB" for k, v in self.rss_growth_mb.items()) or "-"
        codes = " ".join(f"{k}:{v}" for k, v in sorted(self.status.items()))
        return (f"{self.channel:<10} inputs {self.inputs:>6} (to Rasa {self.to_rasa:>5})  5xx {self.server_errors}  "
                f"crashes {self.crashes}  non-German {self.non_german} of {self.replies} replies  "
                f"{self.seconds:.0f} s  RSS {rss}  [{codes}]")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and its children (Rasa and the action server are started via wrappers)."""
    total = rss_mb(pid)
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task").glob("*/children"):
            for cpid in child.read_text().split():
                total += tree_rss_mb(int(cpid))
    return total


async def _pool(n: int, concurrency: int, work) -> None:
    """Run ``work(i)`` for i in range(n) with at most ``concurrency`` in flight."""
    it = iter(range(n))

    async def worker() -> None:
        for i in it:
            await work(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def _header_safe(text: str) -> str:
    """What an HTTP client can put into a header at all (printable ASCII, no separators)."""
    return "".join(c for c in text if 33 <= ord(c) < 127 and c not in ";,") or "x"


def _reply_texts(replies: Any) -> Optional[list[str]]:
    if not isinstance(replies, list):
        return None
    return [r["text"] for r in replies if isinstance(r, dict) and isinstance(r.get("text"), str)]


# ---------------------------------------------------------------------- web API
async def fuzz_web(web_url: str, n: int, seed: int = 1, rasa_share: float = 0.03, concurrency: int = 12,
                   residents: int = 60) -> Report:
    report = Report("web")
    inp = Inputs(seed)
    rng = random.Random(seed)
    jars = [aiohttp.CookieJar(unsafe=True) for _ in range(residents)]
    sessions = [aiohttp.ClientSession(cookie_jar=j, timeout=aiohttp.ClientTimeout(total=120)) for j in jars]
    plain = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=120))
    json_h = {"Content-Type": "application/json"}

    def request(i: int) -> tuple[aiohttp.ClientSession, str, str, dict[str, Any], bool]:
        """(session, method, path, kwargs, reaches_rasa)"""
        r = rng.random()
        own = sessions[i % residents]
        if r < rasa_share:
            msg = inp.message()
            return own, "POST", "/api/chat", {"data": json.dumps({"message": msg or "Hallo"}), "headers": json_h}, True
        if r < 0.45:
            return plain, "POST", "/api/chat", {"data": inp.raw_body(), "headers": json_h}, False
        if r < 0.52:
            ctype = rng.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "",
                                "application/json; charset=latin-1", "application/jsonx"])
            return plain, "POST", "/api/chat", {"data": b'{"message": "Hallo"}', "headers": {"Content-Type": ctype}}, False
        if r < 0.55:  # forged credentials and sender ids (each is a new conversation for the model)
            headers = dict(json_h)
            if rng.random() < 0.5:
                headers["Cookie"] = "ba_conversation=" + _header_safe(rng.choice([inp.noise(20), "x" * 30 + ".y",
                                                                                  "tg:4242"]))
            else:
                headers["X-Conversation-Token"] = _header_safe(inp.noise(10))
            body = {"message": "/affirm" if rng.random() < 0.5 else "x", "sender": "tg:4242"}
            return plain, "POST", "/api/chat", {"data": json.dumps(body), "headers": headers}, False
        if r < 0.63:
            return plain, "POST", "/api/chat", {"data": b'{"message": "Hallo"}',
                                                "headers": {**json_h, "Origin": rng.choice(["https://evil.example",
                                                                                            "null", "http://127.0.0.1:1"])}}, False
        if r < 0.68:
            body = {"rating": rng.choice(["up", "down", "x", None]), "text": inp.message()}
            return own, "POST", "/api/feedback", {"data": json.dumps(body), "headers": json_h}, False
        if r < 0.70:
            return own, "DELETE", rng.choice(["/api/conversation", "/api/conversation/tg:4242",
                                              "/api/conversation/" + _header_safe(inp.noise(4)).replace("/", "")]), {}, False
        if r < 0.71:
            return plain, "POST", "/api/tts?format=wav", {"data": json.dumps({"text": inp.message()[:80]}),
                                                          "headers": json_h}, False
        if r < 0.90:
            token = rng.choice([inp.noise(rng.randint(1, 40)), "%00", "%ff%fe", "..%2f..%2fetc%2fpasswd", "x" * 300])
            quoted = "".join(c if c.isascii() and c.isalnum() else f"%{b:02X}" for ch in token
                             for b in ch.encode("utf-8", "surrogatepass") for c in [chr(b)])
            path = rng.choice(["/liste/", "/termin/", "/api/", "/static/", "/staff/", "/"]) + quoted
            if path.startswith("/termin/"):
                path += ".ics"
            return plain, rng.choice(["GET", "GET", "HEAD", "PUT", "PATCH", "OPTIONS"]), path, {}, False
        return plain, rng.choice(["GET", "PUT", "PATCH"]), "/api/chat", {"data": b"x"}, False

    async def work(i: int) -> None:
        session, method, path, kwargs, to_rasa = request(i)
        report.inputs += 1
        report.to_rasa += to_rasa
        try:
            async with session.request(method, web_url + path, **kwargs) as resp:
                body = await resp.read()
                report.status[resp.status] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            report.bad("crashes", f"{method} {path}: {type(exc).__name__} {exc}")
            return
        if resp.status >= 500:
            report.bad("server_errors", f"{method} {path} -> {resp.status} {body[:200]!r}")
        ctype = resp.headers.get("Content-Type", "")
        if resp.status >= 400 and method != "HEAD":
            text = body.decode("utf-8", "replace")
            if "json" in ctype:
                try:
                    text = json.loads(text).get("error", "")
                except (ValueError, AttributeError):
                    text = ""
            elif 'lang="de"' not in text:
                text = ""
            report.check_reply_texts([text], f"{method} {path} {resp.status}")
        elif path == "/api/chat" and resp.status == 200:
            texts = _reply_texts(json.loads(body))
            if not texts:
                report.bad("non_german", f"chat {kwargs.get('data', b'')[:80]!r} -> no text reply {body[:200]!r}")
            else:
                report.check_reply_texts(texts, f"chat {kwargs.get('data', b'')[:80]!r}")

    start = time.monotonic()
    try:
        await _pool(n, concurrency, work)
    finally:
        for s in [*sessions, plain]:
            await s.close()
    report.seconds = time.monotonic() - start
    return report


# ---------------------------------------------------------------------- Rasa REST
async def fuzz_rasa(rasa_url: str, token: str, n: int, seed: int = 2, webhook_share: float = 0.03,
                    concurrency: int = 8) -> Report:
    report = Report("rasa-rest")
    inp = Inputs(seed)
    rng = random.Random(seed)
    senders = [f"fuzz-{i}" for i in range(100)]

    async def work(i: int) -> None:
        r = rng.random()
        report.inputs += 1
        url = f"{rasa_url}/webhooks/rest/webhook"
        if r < webhook_share / 2:
            report.to_rasa += 1
            body: Any = {"sender": rng.choice(senders), "message": inp.message() or "Hallo"}
        elif r < webhook_share:
            report.to_rasa += 1
            # only strings: Rasa's own /model/parse (token-protected, not reachable by residents)
            # answers 500 for a non-string "text" before any component runs (see README, Security)
            body = {"text": inp.message()}
            url = f"{rasa_url}/model/parse?token={token}"
        elif r < webhook_share + 0.05:  # the API without the token
            body = {"text": inp.message()}
            url = rng.choice([f"{rasa_url}/model/parse", f"{rasa_url}/conversations/fuzz-1/messages",
                              f"{rasa_url}/model/parse?token=" + _header_safe(inp.noise(8))])
        else:  # hostile bodies, refused by channels/rasa_rest.py before the dialogue
            body = rng.choice([
                [], None, "x", inp.json_value(), {"sender": inp.json_value(), "message": "Hallo"},
                {"sender": "a"}, {"sender": rng.choice(senders), "message": inp.json_value()},
                {"sender": "a\x00" + inp.noise(3), "message": "Hallo"},
                {"sender": rng.choice(senders), "message": "x" * rng.choice([2001, 9000, 30000])},
                {"sender": rng.choice(senders), "message": rng.choice(["", " ", "\x00", "\ud800\udfff", "\u200b\x07"])},
                {"sender": "b" * 300, "message": "Hallo"},
                {"sender": rng.choice(senders), "message": "Hallo", "input_channel": inp.json_value(),
                 "metadata": inp.json_value()},
            ])
        data = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        try:
            async with session.post(url, data=data, headers={"Content-Type": "application/json"}) as resp:
                raw = await resp.read()
                report.status[resp.status] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            report.bad("crashes", f"{url}: {type(exc).__name__}")
            return
        if resp.status >= 500:
            report.bad("server_errors", f"{body!r:.150} -> {resp.status} {raw[:200]!r}")
        elif "token=" not in url and "webhook" not in url and resp.status != 401:
            report.bad("crashes", f"unprotected API: {url} -> {resp.status}")
        elif resp.status == 200 and "webhook" in url:
            texts = _reply_texts(json.loads(raw))
            if not texts:
                report.bad("non_german", f"webhook {body!r:.100} -> {raw[:150]!r}")
            else:
                report.check_reply_texts(texts, f"webhook {body!r:.100}")
        elif resp.status == 200:
            parsed = json.loads(raw)
            if not isinstance(parsed, dict) or "intent" not in parsed:
                report.bad("crashes", f"parse {body!r:.100} -> {raw[:150]!r}")

    start = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await _pool(n, concurrency, work)
    report.seconds = time.monotonic() - start
    return report


# ---------------------------------------------------------------------- speech upload
async def fuzz_stt(web_url: str, n: int, seed: int = 3, concurrency: int = 4) -> Report:
    report = Report("stt")
    inp = Inputs(seed)

    async def work(i: int) -> None:
        data = inp.audio()
        report.inputs += 1
        try:
            async with session.post(f"{web_url}/api/stt", data=data,
                                    headers={"Content-Type": "audio/ogg"}) as resp:
                body = await resp.read()
                report.status[resp.status] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            report.bad("crashes", f"stt: {type(exc).__name__}")
            return
        if resp.status >= 500:
            report.bad("server_errors", f"stt {data[:20]!r} -> {resp.status} {body[:200]!r}")
            return
        parsed = json.loads(body)
        if resp.status >= 400:
            report.check_reply_texts([parsed.get("error", "")], f"stt {data[:20]!r}")
        elif parsed.get("text"):
            report.check_reply_texts([parsed["text"]], f"stt {data[:20]!r}")

    start = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await _pool(n, concurrency, work)
    report.seconds = time.monotonic() - start
    return report


# ---------------------------------------------------------------------- Telegram bridge
class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}"
                            + (f" {record.exc_info[1]!r}" if record.exc_info else ""))


async def fuzz_telegram(rasa_url: str, var_dir: Path, n: int, seed: int = 4, rasa_share: float = 0.03,
                        chats: int = 400) -> Report:
    sys.path.insert(0, str(ROOT / "tests" / "telegram"))
    from fake_api import FakeTelegram  # type: ignore[import-not-found]

    from channels.telegram.bridge import Bridge, running
    from channels.telegram.settings import BridgeSettings

    report = Report("telegram")
    inp = Inputs(seed)
    rng = random.Random(seed)
    errors = _ErrorCounter()
    logging.getLogger().addHandler(errors)
    start = time.monotonic()
    async with FakeTelegram() as fake:
        settings = BridgeSettings(token=fake.token, rasa_url=rasa_url, var_dir=var_dir / "fuzz-bridge",
                                  base_url=fake.url, reminder_interval=0, outbox_retry_interval=0, rasa_timeout=60.0,
                                  concurrent_updates=16)
        bridge = Bridge(settings)
        expected = 0
        async with running(bridge.build_application(), poll_timeout=1):
            for i in range(n):
                chat = 100_000 + rng.randrange(chats)
                r = rng.random()
                report.inputs += 1
                if r < rasa_share:
                    text = inp.message().strip() or "Hallo"
                    if text.startswith("/"):
                        text = "Hallo " + text
                    report.to_rasa += 1
                    fake.send_text(chat, text)
                elif r < 0.30:
                    fake.send_text(chat, rng.choice(["/start", "/hilfe", "/datenschutz", "/stimme aus", "/stimme an",
                                                     "/foo", "/start@buergerbot", "/" + inp.noise(5), "/affirm",
                                                     '/inform{"service": "x"}']))
                elif r < 0.45:
                    fake.send_text(chat, "Reisepass " * rng.randint(210, 500))  # over the length limit
                elif r < 0.55:
                    fake.send_text(chat, rng.choice(["\x00", "\ud800", "\u200b\u200b", "\x07\x08"]))
                elif r < 0.75:
                    fake.press_button(chat, rng.randint(1, 10_000), rng.choice(
                        ["fb:up", "fb:down", "del:yes", "del:no", "p:" + inp.noise(8), inp.noise(20), "", "x" * 64]))
                elif r < 0.90:
                    kind = rng.choice(["sticker", "photo", "document", "location", "contact"])
                    content = {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                           "is_animated": False, "is_video": False, "type": "regular"},
                               "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
                               "document": {"file_id": "d", "file_unique_id": "d"},
                               "location": {"latitude": 51.0, "longitude": 11.0},
                               "contact": {"phone_number": "0345", "first_name": "E"}}[kind]
                    fake.push_update({"message": fake._user_message(chat, **{kind: content})})
                else:
                    fake.push_update(rng.choice([
                        {"edited_message": fake._user_message(chat, text="geändert")},
                        {"channel_post": {"message_id": 1, "date": int(time.time()),
                                          "chat": {"id": -100, "type": "channel"}, "text": "x"}},
                        {"my_chat_member": {"chat": fake.chat(chat), "from": fake.user(chat), "date": 1,
                                            "old_chat_member": {"status": "member", "user": fake.user(chat)},
                                            "new_chat_member": {"status": "kicked", "user": fake.user(chat),
                                                                "until_date": 0}}},
                        {"message": fake._user_message(chat, text="")},
                    ]))
                    continue
                expected += 1
                if i % 500 == 499:  # keep the queue bounded like real traffic would
                    await asyncio.sleep(0)
            # wait until the bridge is idle: no new Bot API calls for a while
            last, quiet_since = -1, time.monotonic()
            while time.monotonic() - quiet_since < 8 and time.monotonic() - start < 1800:
                await asyncio.sleep(1)
                now_calls = sum(1 for c in fake.calls if c.method != "getUpdates")  # polling never stops
                if now_calls != last:
                    last, quiet_since = now_calls, time.monotonic()
        logging.getLogger().removeHandler(errors)
        for call in fake.calls_of("sendMessage"):
            report.check_reply_texts([call.text], "telegram")
        answered = len(fake.calls_of("answerCallbackQuery"))
        for call in fake.calls:
            report.status[call.method] += 1
        for rec in errors.records:
            report.bad("crashes", rec)
        report.status["answers"] = len(fake.calls_of("sendMessage")) + answered
        report.status["expected>="] = expected
    report.seconds = time.monotonic() - start
    return report


def rss_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: tree_rss_mb(pid) for name, pid in pids.items()}


def growth(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after.get(k, 0.0) - v for k, v in before.items()}


def report_dict(report: Report) -> dict[str, Any]:
    d = dataclasses.asdict(report)
    d["status"] = dict(report.status)
    return d
