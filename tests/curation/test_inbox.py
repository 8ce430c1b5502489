"""Inbox: which messages are listed, grouping, context, redaction, hiding handled ones."""
from __future__ import annotations

import datetime as dt

from assistant.curation import inbox, stats
from assistant.curation.models import InboxDecision, utcnow

from .conftest import StaffEnv


def _clusters(env: StaffEnv):
    return inbox.build_inbox(env.sessionmaker(), f"sqlite:///{env.tracker}", 30)


def test_flags_and_groups(staff_env: StaffEnv) -> None:
    clusters = _clusters(staff_env)
    labels = [c.label for c in clusters]
    # the two boat questions are one group (one with a phone number, redacted)
    boat = clusters[0]
    assert boat.count == 2 and boat.reasons["fallback"] == 2
    assert "Boot" in boat.label or "boot" in boat.label
    assert all("1234567" not in c.label for c in clusters)
    assert any("Bootsanmeldung" in label for label in labels)          # out_of_scope -> action_out_of_scope
    perso = [c for c in clusters if "Perso" in c.label][0]
    assert perso.reasons["unsure"] == 1 and perso.reasons["thumbs_down"] == 1
    human = [c for c in clusters if c.reasons["human"]][0]
    assert human.label == "Ich heiße [Name] und will mit einem Menschen sprechen"
    assert not any("Reisepass" in label for label in labels)           # answered well: not listed
    assert not any(label == "Hallo" for label in labels)


def test_context_turns(staff_env: StaffEnv) -> None:
    clusters = _clusters(staff_env)
    oos = [c for c in clusters if "Bootsanmeldung" in c.label][0]
    item = oos.items[0]
    assert [t.text for t in item.before] == ["Hallo", "Wo kann ich mein Boot anmelden? Meine Nummer ist 0171 1234567"]
    assert item.before[1].display_text() == "Wo kann ich mein Boot anmelden? Meine Nummer ist [Telefon]"
    assert item.turn.bot_texts == ["Dazu habe ich keine verlässliche Information."]
    assert item.after == []


def test_decisions_hide_messages(staff_env: StaffEnv) -> None:
    before = _clusters(staff_env)
    boat = before[0]
    with staff_env.sessionmaker()() as session:
        for key in {i.turn.key for i in boat.items}:
            session.add(InboxDecision(text_key=key, decision="not_our_topic", decided_by="t", decided_at=utcnow()))
        session.commit()
    after = _clusters(staff_env)
    assert len(after) == len(before) - 1
    assert all(c.key != boat.key for c in after)


def test_filter_by_reason(staff_env: StaffEnv) -> None:
    clusters = inbox.build_inbox(staff_env.sessionmaker(), f"sqlite:///{staff_env.tracker}", 30, reason="thumbs_down")
    assert len(clusters) == 1 and "Perso" in clusters[0].label


def test_missing_tracker_store_gives_empty_inbox(staff_env: StaffEnv, tmp_path) -> None:
    assert inbox.build_inbox(staff_env.sessionmaker(), f"sqlite:///{tmp_path / 'none.db'}", 30) == []


def test_clustering_of_similar_texts() -> None:
    def item(i: int, text: str) -> inbox.Item:
        turn = inbox.Turn(i, f"s{i}", 1_700_000_000 + i, text, "nlu_fallback", 0.3, reasons={"fallback"})
        return inbox.Item(turn, [], [])

    clusters = inbox.cluster([item(1, "Wo kann ich mein Boot anmelden?"), item(2, "wo kann ich mein boot anmelden"),
                              item(3, "Boot anmelden wo"), item(4, "Wann ist die Kirmes?"),
                              item(5, "wann ist kirmes")])
    assert sorted(c.count for c in clusters) == [2, 3]


def test_overview_figures(staff_env: StaffEnv) -> None:
    from zoneinfo import ZoneInfo

    ov = stats.overview(staff_env.sessionmaker(), f"sqlite:///{staff_env.tracker}", ZoneInfo("Europe/Berlin"), 14,
                        dt.datetime.now(dt.timezone.utc))
    assert ov.questions == 7
    assert ov.answered == 4  # 3 fell back (2 boat questions + out of scope)
    assert ov.services["personalausweis"] == 1 and ov.services["reisepass"] == 1
    assert ov.reasons["fallback"] == 3 and ov.reasons["thumbs_down"] == 1 and ov.reasons["human"] == 1
    from assistant.curation.staff.render import macro

    chart = stats.bar_chart(stats.reason_rows(ov.reasons), "Probleme")
    assert {b.label: b.value for b in chart.bars}["Nicht verstanden"] == "3"
    assert int(max(chart.bars, key=lambda b: b.width).value) == max(int(b.value) for b in chart.bars)
    svg = macro("charts.html", "bar_chart", chart).strip()
    assert svg.startswith("<svg") and "Nicht verstanden" in svg and "style=" not in svg


def test_inbox_shows_only_what_is_retained(staff_env: StaffEnv, monkeypatch) -> None:
    """A message older than ASSISTANT_CONVERSATION_RETENTION_DAYS is never shown, even before a purge."""
    from assistant.config import get_settings
    from assistant.privacy import purge_tracker

    from .conftest import _action, _user, make_tracker

    old = dt.datetime.now(dt.timezone.utc).timestamp() - 10 * 86400
    make_tracker(staff_env.tracker, [_user("s9", old, "Wo melde ich meinen Traktor an?", "nlu_fallback", 0.2),
                                     _action("s9", old + 0.1, "action_clarify")])
    monkeypatch.setenv("ASSISTANT_CONVERSATION_RETENTION_DAYS", "7")
    get_settings.cache_clear()
    settings = get_settings()
    days = inbox.shown_days(30, settings.conversation_retention_days)
    assert days == 7
    url = f"sqlite:///{staff_env.tracker}"
    shown = [c.label for c in inbox.build_inbox(staff_env.sessionmaker(), url, days)]
    assert "Wo melde ich meinen Traktor an?" not in shown and shown  # the recent ones are still there
    assert "Wo melde ich meinen Traktor an?" in [c.label for c in inbox.build_inbox(staff_env.sessionmaker(), url, 30)]
    assert purge_tracker(url, dt.datetime.now(dt.timezone.utc), 7) == 2
    assert "Wo melde ich meinen Traktor an?" not in [
        c.label for c in inbox.build_inbox(staff_env.sessionmaker(), url, 30)]
