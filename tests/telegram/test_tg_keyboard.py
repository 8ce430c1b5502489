"""Rasa buttons → inline keyboards: callback_data ≤ 64 bytes, round trip, URL buttons."""
from __future__ import annotations

from pathlib import Path

from assistant.answers.reply import payload
from channels.telegram import keyboard as kbd
from channels.telegram.state import BridgeState


def test_long_payload_maps_to_short_key_and_back(tmp_path: Path) -> None:
    long_payload = payload("inform", option="slot:" + "kleinwalde_buergerbuero|20261201T0800Z" * 12)[:500]
    long_payload = long_payload.ljust(500, "x")
    assert len(long_payload) == 500
    key = kbd.callback_key(long_payload)
    assert len(key.encode("utf-8")) <= kbd.MAX_CALLBACK_DATA
    assert key == kbd.callback_key(long_payload), "stable"
    assert key != kbd.callback_key(long_payload + "y")
    state = BridgeState(tmp_path / "state.sqlite3")
    board = kbd.build_keyboard([{"title": "Di., 01.12., 9:00 Uhr", "payload": long_payload}], state.remember_callback)
    button = board.rows[0][0]
    assert button.callback_data == key
    assert state.lookup_callback(key) == (long_payload, "Di., 01.12., 9:00 Uhr")
    state.close()
    # survives a restart
    reopened = BridgeState(tmp_path / "state.sqlite3")
    assert reopened.lookup_callback(key) == (long_payload, "Di., 01.12., 9:00 Uhr")
    assert reopened.lookup_callback("p:unknown") is None
    reopened.close()


def test_unicode_payloads_stay_under_64_bytes() -> None:
    stored: dict[str, str] = {}
    buttons = [{"title": f"Ämter {i}", "payload": payload("ask_office", place="Groß Übelsdorf " * 20 + str(i))}
               for i in range(10)]
    board = kbd.build_keyboard(buttons, lambda k, p, t: stored.__setitem__(k, p))
    datas = [b.callback_data for row in board.rows for b in row]
    assert len(set(datas)) == 10
    assert all(len(d.encode("utf-8")) <= 64 for d in datas)
    assert sorted(stored.values()) == sorted(b["payload"] for b in buttons)


def test_url_buttons() -> None:
    stored: dict[str, str] = {}
    board = kbd.build_keyboard([
        {"title": "Online beantragen", "payload": "https://www.musterland.example/pass", "type": "web_url",
         "url": "https://www.musterland.example/pass"},
        {"title": "Formular", "payload": "http://formulare.musterland.example/a.pdf"},
        {"title": "Checkliste", "type": "web_url", "url": "http://127.0.0.1:8080/liste/abc"},
        {"title": "Ja", "payload": "/affirm"},
    ], lambda k, p, t: stored.__setitem__(k, p))
    urls = [b.url for row in board.rows for b in row if b.url]
    assert urls == ["https://www.musterland.example/pass", "http://formulare.musterland.example/a.pdf"]
    assert board.link_lines == ["Checkliste: http://127.0.0.1:8080/liste/abc"]  # Telegram refuses local URLs
    assert list(stored.values()) == ["/affirm"]
    assert board.has_choices


def test_layout_short_titles_share_rows() -> None:
    board = kbd.build_keyboard([{"title": t, "payload": f"/{t}"} for t in ("Ja", "Nein", "Weiß nicht")]
                               + [{"title": "Allgemeine Liste für alle", "payload": "/x"}], lambda *a: None)
    assert [len(r) for r in board.rows] == [1, 1, 1, 1]  # one long title: one per row
    board = kbd.build_keyboard([{"title": t, "payload": f"/{t}"} for t in ("Ja", "Nein", "Weiß nicht")],
                               lambda *a: None)
    assert [len(r) for r in board.rows] == [3]


def test_feedback_row_removed_keeps_other_buttons() -> None:
    board = kbd.build_keyboard([{"title": "Karte", "payload": "https://maps.musterland.example/x"}], lambda *a: None)
    from telegram import InlineKeyboardMarkup

    markup = InlineKeyboardMarkup([*board.rows, kbd.feedback_row()])
    left = kbd.without_feedback(markup)
    assert left is not None and [b.text for r in left.inline_keyboard for b in r] == ["Karte"]
    assert kbd.without_feedback(InlineKeyboardMarkup([kbd.feedback_row()])) is None


def test_state_outbox_and_preferences(tmp_path: Path) -> None:
    state = BridgeState(tmp_path / "s.sqlite3")
    assert state.voice_replies(1) is True
    state.set_voice_replies(1, False)
    first = state.outbox_add(2, "erste", False, now=100.0)
    state.outbox_add(1, "zweite", True, now=200.0)
    state.outbox_add(2, "dritte", False, now=300.0)
    assert state.outbox_chats() == [2, 1]
    assert [i.text for i in state.outbox_items(2)] == ["erste", "dritte"]
    state.outbox_remove(first)
    assert [i.text for i in state.outbox_items()] == ["zweite", "dritte"]
    state.close()
    state = BridgeState(tmp_path / "s.sqlite3")
    assert state.voice_replies(1) is False
    assert state.forget_chat(1) == {"outbox": 1, "preferences": 1}
    assert state.voice_replies(1) is True
    assert [i.text for i in state.outbox_items()] == ["dritte"]
    state.close()
