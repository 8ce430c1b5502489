"""Bounded fuzz run of every channel against the real stack (trained model, action server, web
server; the Telegram bridge against the fake Bot API): 0 server errors, 0 crashes, every reply
German, normal conversations still right afterwards; prints counts and RSS growth.

Sizes: ``FUZZ_MESSAGES`` inputs per channel (default 10,000), ``FUZZ_STT`` broken recordings
(default 2,000; each is decoded, so it costs more), ``FUZZ_RASA_SHARE`` the share of web and
Telegram inputs that are fuzzed messages for the real model (default 0.03)."""
from __future__ import annotations

import asyncio
import json
import os
import re

import pytest

from tests.fuzz import harness
from tests.german import looks_german

pytestmark = [pytest.mark.fuzz, pytest.mark.rasa, pytest.mark.slow]

N = int(os.environ.get("FUZZ_MESSAGES", "10000"))
N_STT = int(os.environ.get("FUZZ_STT", "2000"))
SHARE = float(os.environ.get("FUZZ_RASA_SHARE", "0.03"))


async def _all(stack, var) -> list[harness.Report]:
    return list(await asyncio.gather(
        harness.fuzz_web(stack.web_url, N, rasa_share=SHARE),
        harness.fuzz_rasa(stack.rasa_url, stack.rasa_token, N, webhook_share=SHARE),
        harness.fuzz_telegram(stack.rasa_url, var, N, rasa_share=SHARE),
        harness.fuzz_stt(stack.web_url, N_STT),
    ))


def test_fuzz_every_channel(stack, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings

    # the in-process Telegram bridge uses the stack's databases (feedback, /loeschen)
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(stack.var_dir))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", stack.database_url)
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{stack.tracker_db}")
    get_settings.cache_clear()
    pids = json.loads(next(stack.var_dir.glob("run-pids-*.json")).read_text())
    pids["test process (bridge)"] = os.getpid()
    before = harness.rss_of(pids)
    reports = asyncio.run(_all(stack, tmp_path))
    growth = harness.growth(before, harness.rss_of(pids))
    print("\nFuzz run (inputs per channel, server errors, crashes, non-German replies):")
    for report in reports:
        report.rss_growth_mb = growth if report.channel == "web" else {}
        print("  " + report.line())
        for example in report.examples:
            print("      " + example)
    print("  RSS growth: " + ", ".join(f"{k} {v:+.0f} MB" for k, v in growth.items()))
    for name in ("rasa", "actions", "web"):
        log = stack.var_dir / "log" / f"{name}.log"
        errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line] if log.exists() else []
        print(f"  {name}.log: {len(errors)} ERROR lines" + "".join(f"\n      {e[:240]}" for e in errors[:8]))

    # normal conversations are still right afterwards
    greeting = stack.chat("Hallo")
    assert "Guten Tag" in " ".join(r.get("text", "") for r in greeting)
    first = stack.chat("Was brauche ich für einen Personalausweis?", "after-fuzz")
    # the general list first, the personal checklist offered (ADR 0006)
    assert "Meine persönliche Liste" in [b["title"] for r in first for b in r.get("buttons", [])]
    assert re.search(r"Passbild|Foto", " ".join(r.get("text", "") for r in first))
    hours = stack.chat("wann hat das bürgerbüro in kleinwalde offen", "after-fuzz-2")
    assert "Kleinwalde" in " ".join(r.get("text", "") for r in hours)
    tg = stack.chat("Was kostet ein Führungszeugnis?", "tg:777", via_web=False, input_channel="telegram")
    assert looks_german(" ".join(r.get("text", "") for r in tg)) and re.search(r"\d", json.dumps(tg))

    assert all(r.inputs >= (N_STT if r.channel == "stt" else N) for r in reports)
    assert [(r.channel, r.server_errors, r.crashes, r.non_german) for r in reports] == [
        (r.channel, 0, 0, 0) for r in reports], [e for r in reports for e in r.examples]
