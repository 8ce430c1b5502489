"""Fixtures for the Telegram bridge tests: the fake Bot API, a tiny fake Rasa, and a factory that
runs the bridge (long polling against the fake API) with all state in a temporary folder."""
from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest

from assistant.config import get_settings
from channels.telegram.bridge import Bridge, running
from channels.telegram.settings import BridgeSettings

from fake_api import FakeTelegram
from fake_rasa import FakeRasa


@pytest.fixture()
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Application settings (feedback, privacy, bookings) pointed at a temporary folder."""
    var = tmp_path / "var"
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(var))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{var / 'assistant.db'}")
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{var / 'tracker.db'}")
    get_settings.cache_clear()
    yield var
    get_settings.cache_clear()


@pytest.fixture()
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture()
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    rasa = await FakeRasa().start()
    yield rasa
    await rasa.stop()


@pytest.fixture()
def bridge_settings(tmp_path: Path, fake_tg: FakeTelegram) -> Callable[..., BridgeSettings]:
    """``bridge_settings(rasa_url=..., **overrides)``: settings for a bridge talking to ``fake_tg``."""

    def make(rasa_url: str, **overrides: Any) -> BridgeSettings:
        base = BridgeSettings(token=fake_tg.token, rasa_url=rasa_url, var_dir=tmp_path / "bridge",
                              base_url=fake_tg.url, reminder_interval=0, outbox_retry_interval=0,
                              rasa_timeout=5.0)
        return dataclasses.replace(base, **overrides)

    return make


@pytest.fixture()
def run_bridge() -> Callable[..., Any]:
    """``async with run_bridge(settings) as bridge:`` – the bridge polling the fake API."""

    @contextlib.asynccontextmanager
    async def run(settings: BridgeSettings, **kwargs: Any) -> AsyncIterator[Bridge]:
        bridge = Bridge(settings, **kwargs)
        application = bridge.build_application()
        async with running(application, poll_timeout=1):
            yield bridge

    return run
