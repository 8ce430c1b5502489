"""The privacy notice (/datenschutz) says exactly what the settings do."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.config import Settings, get_settings
from assistant.privacy_notice import notice, notice_html, notice_text


@pytest.fixture()
def settings(monkeypatch, tmp_path) -> Settings:
    # the web app's purge loop runs on start-up: keep it away from var/
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    monkeypatch.setenv("ASSISTANT_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("ASSISTANT_CONVERSATION_RETENTION_DAYS", "17")
    monkeypatch.setenv("ASSISTANT_APPOINTMENT_RETENTION_DAYS", "9")
    monkeypatch.setenv("ASSISTANT_CHECKLIST_RETENTION_DAYS", "45")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _stored(s: Settings, channel: str = "web") -> list[str]:
    return notice(s, channel).sections[0].items  # type: ignore[arg-type]


def test_each_period_is_the_setting(settings: Settings) -> None:
    conversation, appointment, callback, checklist, feedback = _stored(settings)[:5]
    assert "nach 17 Tagen" in conversation and "[Telefon]" in conversation
    assert "9 Tage nach dem Termin" in appointment
    assert "Telefonnummer" in callback and "nach 9 Tagen" in callback
    assert "nach 45 Tagen" in checklist
    assert "nach 17 Tagen" in feedback


def test_every_number_on_the_page_comes_from_the_settings(settings: Settings) -> None:
    text = re.sub(r"<[^>]+>", " ", notice_html(settings))
    numbers = {int(n) for n in re.findall(r"\b\d+\b", text)}
    assert numbers == {17, 9, 45}


def test_one_day_reads_correctly(monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_CONVERSATION_RETENTION_DAYS", "1")
    get_settings.cache_clear()
    try:
        assert "nach 1 Tag." in _stored(get_settings())[0]
    finally:
        get_settings.cache_clear()


def test_telegram_variant(settings: Settings) -> None:
    text = notice_text(settings, "telegram", outbox_minutes=60)
    assert "Telegram-Chat-ID" in text and "/loeschen" in text and "höchstens 60 Minuten" in text
    assert "Verlauf löschen" not in text and "keine Daten an Dritte" in text
    web = notice_text(settings, "web")
    assert "Verlauf löschen" in web and "Chat-ID" not in web


def test_sections_cover_what_the_issue_asks(settings: Settings) -> None:
    titles = [s.title for s in notice(settings).sections]
    assert titles == ["Was ich speichere", "Was ich nie speichere", "Keine Weitergabe", "So löschen Sie Ihre Daten"]


async def test_served_at_datenschutz(settings: Settings) -> None:
    from assistant.web.app import create_app

    async with TestClient(TestServer(create_app(settings))) as client:
        resp = await client.get("/datenschutz")
        assert resp.status == 200 and resp.content_type == "text/html"
        body = await resp.text()
        assert "<h1>Datenschutz</h1>" in body and "nach 17 Tagen" in body
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "http" not in re.sub(r'href="/[^"]*"', "", body)  # nothing loaded from elsewhere


def test_widget_links_the_page() -> None:
    from assistant.config import ROOT

    js = (ROOT / "channels" / "web" / "static" / "widget.js").read_text(encoding="utf-8")
    assert 'SERVER + "/datenschutz"' in js
