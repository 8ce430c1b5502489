"""Splitting long replies under Telegram's 4096-character limit at sensible boundaries."""
from __future__ import annotations

import pytest

from channels.telegram.splitting import TELEGRAM_MAX_MESSAGE, split_message, tg_len


def words(text: str) -> list[str]:
    return text.split()


def test_short_text_is_one_message() -> None:
    assert split_message("Guten Tag!") == ["Guten Tag!"]
    exact = "a" * TELEGRAM_MAX_MESSAGE
    assert split_message(exact) == [exact]


def test_empty_text_gives_nothing() -> None:
    assert split_message("   \n ") == []


def test_paragraph_boundaries_preferred() -> None:
    paragraph = ("Das ist ein Satz über den Reisepass. " * 30).strip()  # ~1100 characters
    text = "\n\n".join(f"Absatz {i}: {paragraph}" for i in range(12))
    parts = split_message(text)
    assert len(parts) > 1
    assert all(tg_len(p) <= TELEGRAM_MAX_MESSAGE for p in parts)
    assert all(p.startswith("Absatz ") for p in parts), "every piece starts with a whole paragraph"
    assert words(" ".join(parts)) == words(text)


def test_line_boundaries_when_no_paragraphs() -> None:
    text = "\n".join(f"• Punkt {i}: Personalausweis, Meldebescheinigung, Foto" for i in range(300))
    parts = split_message(text)
    assert len(parts) >= 3
    assert all(tg_len(p) <= TELEGRAM_MAX_MESSAGE for p in parts)
    assert all(p.startswith("• Punkt") for p in parts)
    assert "\n".join(parts) == text


def test_sentence_boundaries_when_one_long_line() -> None:
    text = " ".join(f"Satz Nummer {i} endet hier." for i in range(600))
    parts = split_message(text)
    assert len(parts) >= 3
    assert all(tg_len(p) <= TELEGRAM_MAX_MESSAGE for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_words_and_urls_are_not_cut() -> None:
    url = "https://www.musterland.example/buergerservice/reisepass?ort=kleinwalde"
    text = " ".join([url] * 200)  # no sentence ends at all, only spaces
    parts = split_message(text)
    assert all(tg_len(p) <= TELEGRAM_MAX_MESSAGE for p in parts)
    assert all(w == url for p in parts for w in p.split())


def test_hard_cut_without_any_boundary() -> None:
    text = "x" * 10_000
    parts = split_message(text)
    assert [len(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == text


def test_emoji_count_twice() -> None:
    text = "😀" * 3000  # 6000 UTF-16 code units
    parts = split_message(text)
    assert all(tg_len(p) <= TELEGRAM_MAX_MESSAGE for p in parts)
    assert "".join(parts) == text
    assert len(parts) == 2


@pytest.mark.parametrize("limit", [50, 100, 333])
def test_small_limits(limit: int) -> None:
    text = "Wann hat das Bürgerbüro geöffnet? Dienstag 9–12 Uhr.\nDonnerstag 14–18 Uhr.\n\n" * 40
    parts = split_message(text, limit)
    assert all(0 < tg_len(p) <= limit for p in parts)
    assert words(" ".join(parts)) == words(text)
