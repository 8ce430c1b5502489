"""Several Rasa replicas and action servers on PostgreSQL and Redis: losing nothing, failing loudly.

One scaled stack for the whole module (see conftest.py). The tests run in this order; the
destructive ones (restarting Redis and PostgreSQL, kill -9) come last. "Acknowledged" means HTTP
200 with at least one reply; every acknowledged user message must be in the tracker store.
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import LOCK_TTL_S, Reply, Scaled, get_status, kill_child, wait_restarted

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.slow]

QUESTIONS = ["Wann hat das Bürgerbüro in Kleinwalde offen?", "Was brauche ich für einen Personalausweis?",
             "Kann ich meinen Wohnsitz online ummelden?", "Wo ist das Bürgerbüro Kleinwalde?",
             "Was kostet ein Reisepass?", "Wie melde ich meinen Hund an?"]


def _sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _assert_stored(scaled: Scaled, sent: dict[str, list[tuple[str, Reply]]]) -> tuple[int, int]:
    """Every acknowledged message is in the tracker (as often as it was acknowledged). Returns
    (acknowledged, stored-of-acknowledged)."""
    acked = stored = 0
    missing = []
    for sender, items in sent.items():
        texts = scaled.user_texts(sender)
        for text, reply in items:
            if not reply.answered:
                continue
            acked += 1
            if text in texts:
                texts.remove(text)
                stored += 1
            else:
                missing.append((sender, text))
    assert missing == [], f"acknowledged but not stored: {missing[:10]} ({len(missing)} of {acked})"
    return acked, stored


def test_simultaneous_messages_per_sender_across_replicas_lose_nothing(scaled: Scaled) -> None:
    """20 conversations x 2 messages at the same instant, one to each replica, 5 rounds: 200
    messages, all answered and all in the tracker (Rasa's own lock store lost 26 of 240 here)."""
    senders = [_sender("sim") for _ in range(20)]
    sent: dict[str, list[tuple[str, Reply]]] = {s: [] for s in senders}
    with ThreadPoolExecutor(max_workers=40) as pool:
        for rnd in range(5):
            barrier = threading.Barrier(40)

            def send(sender: str, replica: int, text: str, barrier=barrier) -> tuple[str, str, Reply]:
                barrier.wait(60)
                return sender, text, scaled.chat(sender, text, via=str(replica))

            jobs = [pool.submit(send, s, r, QUESTIONS[(i + rnd + r) % len(QUESTIONS)] + f" ({rnd}{r})")
                    for i, s in enumerate(senders) for r in (0, 1)]
            for job in jobs:
                sender, text, reply = job.result(300)
                sent[sender].append((text, reply))
    replies = [r for items in sent.values() for _, r in items]
    assert len(replies) == 200
    failed = [(r.status, r.text[:80]) for r in replies if not r.answered]
    assert failed == [], f"{len(failed)} of 200 not answered: {failed[:5]}"
    acked, stored = _assert_stored(scaled, sent)
    assert acked == stored == 200
    p95 = sorted(r.seconds for r in replies)[189]
    print(f"\nsimultaneous: 200 sent, {acked} acknowledged, {stored} stored, 0 lost; p95 {p95:.2f} s")


def _buttons(reply: Reply) -> list[dict]:
    return [b for m in (reply.body or []) if isinstance(m, dict) for b in m.get("buttons") or []]


def _codes(reply: Reply) -> set[str]:
    return set(re.findall(r"Buchungscode: ([A-Z0-9]{6})", reply.text))


def test_double_confirmation_books_once(scaled: Scaled) -> None:
    """The same "Ja" at the confirm step reaches both replicas at once: one appointment."""
    residents = 8
    before = scaled.app_sql("SELECT count(*) FROM appointment")
    codes_seen = []
    for _ in range(residents):
        sender = _sender("double")
        offer = scaled.chat(sender, "Ich brauche einen Termin für einen neuen Reisepass in Kleinwalde")
        if "Gemeinde" in offer.text:
            offer = scaled.chat(sender, '/inform{"place": "Kleinwalde"}')
        slots = [b for b in _buttons(offer) if "slot:" in str(b.get("payload"))]
        assert slots, f"no slots offered: {offer.text!r}"
        confirm = scaled.chat(sender, slots[0]["payload"])
        assert "buchen" in confirm.text, confirm.text
        barrier = threading.Barrier(2)

        def yes(replica: int, sender: str = sender, barrier: threading.Barrier = barrier) -> Reply:
            barrier.wait(30)
            return scaled.chat(sender, "/affirm", via=str(replica))

        with ThreadPoolExecutor(2) as pool:
            a, b = pool.map(yes, (0, 1))
        codes = _codes(a) | _codes(b)
        assert len(codes) == 1, f"{a.text!r} / {b.text!r}"
        codes_seen.extend(codes)
    after = scaled.app_sql("SELECT count(*) FROM appointment")
    assert after - before == residents, f"{after - before} appointments for {residents} residents"
    assert len(set(codes_seen)) == residents
    print(f"\ndouble confirmations: {residents} residents, {after - before} appointments, 0 double bookings")


def _traffic(scaled: Scaled, stop: threading.Event, via: str, prefix: str, senders: int = 4):
    """Background conversations until ``stop``; returns (thread, sent dict)."""
    sent: dict[str, list[tuple[str, Reply]]] = {_sender(prefix): [] for _ in range(senders)}

    def run(sender: str) -> None:
        i = 0
        while not stop.is_set():
            text = QUESTIONS[i % len(QUESTIONS)] + f" [{i}]"
            sent[sender].append((text, scaled.chat(sender, text, via=via, timeout=60)))
            i += 1
            time.sleep(0.3)

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in sent]
    for t in threads:
        t.start()
    return threads, sent


def _outage(scaled: Scaled, prefix: str, take_down, bring_up, down_s: float = 6) -> dict:
    stop = threading.Event()
    threads, sent = _traffic(scaled, stop, "web", prefix)
    time.sleep(3)
    take_down()
    t_down = time.monotonic()
    deep_during = get_status(f"{scaled.state['web']}/healthz?deep=1", 10)
    time.sleep(down_s)
    bring_up()
    t_up = time.monotonic()
    recovered = None
    while time.monotonic() - t_up < 90:
        fresh = scaled.chat(_sender(prefix + "-after"), "Wann hat das Bürgerbüro Kleinwalde offen?", via="web")
        if fresh.answered:
            recovered = time.monotonic() - t_up
            break
        time.sleep(1)
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(90)
    replies = [r for items in sent.values() for _, r in items]
    during = [r for items in sent.values() for _, r in items if not r.answered]
    return {"sent": sent, "replies": replies, "failed": during, "recovered_s": recovered,
            "deep_health_during": deep_during, "down_s": t_up - t_down}


def _check_outage(scaled: Scaled, result: dict, what: str) -> None:
    assert result["recovered_s"] is not None, f"no recovery after {what} came back"
    failed = result["failed"]
    assert failed, f"no turn failed while {what} was down: nothing shows the outage was real"
    assert all(r.status == 503 and "Gerade gibt es eine Störung" in r.text and "030 23125 100" in r.text
               for r in failed), [(r.status, r.text[:100]) for r in failed[:5]]
    assert result["deep_health_during"] == 503
    acked, stored = _assert_stored(scaled, result["sent"])
    print(f"\n{what} down {result['down_s']:.0f} s: {len(result['replies'])} turns, {len(failed)} told "
          f"'Störung' (German, 503), {acked} acknowledged = {stored} stored, answering again "
          f"{result['recovered_s']:.1f} s after restart")


def test_redis_restart_under_traffic(scaled: Scaled) -> None:
    result = _outage(scaled, "redis", scaled.redis.stop, scaled.redis.start)
    _check_outage(scaled, result, "Redis")


def test_postgres_restart_under_traffic(scaled: Scaled) -> None:
    result = _outage(scaled, "pg", lambda: scaled.pg.stop("fast"), scaled.pg.start)
    _check_outage(scaled, result, "PostgreSQL")


def _kill_mid_conversation(scaled: Scaled, child: str, in_flight_via: str) -> dict:
    sender = _sender("kill-" + child)
    sent: dict[str, list[tuple[str, Reply]]] = {sender: []}
    first = scaled.chat(sender, "Was brauche ich für einen Personalausweis?")
    sent[sender].append(("Was brauche ich für einen Personalausweis?", first))
    assert first.answered
    holder: dict = {}

    def in_flight() -> None:
        holder["reply"] = scaled.chat(sender, "Und wann hat das Bürgerbüro Kleinwalde offen?", via=in_flight_via)

    t = threading.Thread(target=in_flight)
    t.start()
    time.sleep(0.3)
    old_pid = kill_child(scaled, child)
    t.join(120)
    sent[sender].append(("Und wann hat das Bürgerbüro Kleinwalde offen?", holder["reply"]))
    started = time.monotonic()
    nxt = scaled.chat(sender, "Was kostet ein Reisepass?", timeout=60)
    if nxt.status == 502:
        # nginx may answer 502 once while the killed replica's connections break (seen in about one
        # run in three); the widget shows the German notice and the resident sends again
        sent[sender].append(("Was kostet ein Reisepass?", nxt))
        time.sleep(1)
        nxt = scaled.chat(sender, "Was kostet ein Reisepass?", timeout=60)
    sent[sender].append(("Was kostet ein Reisepass?", nxt))
    assert nxt.answered, (nxt.status, nxt.text[:200])
    waited = time.monotonic() - started
    assert waited < 10, f"next message answered after {waited:.1f} s"
    _assert_stored(scaled, sent)
    restarted = wait_restarted(scaled, child, old_pid)
    assert restarted, f"{child} was not restarted by the supervisor"
    return {"in_flight": holder["reply"], "next_s": waited}


def test_kill_action_server_mid_conversation(scaled: Scaled) -> None:
    r = _kill_mid_conversation(scaled, "actions-1", "lb")
    print(f"\nkill -9 actions-1: in-flight HTTP {r['in_flight'].status}, next answered in {r['next_s']:.1f} s")


def test_kill_replica_mid_conversation(scaled: Scaled) -> None:
    """The in-flight message goes to replica 1 directly, which dies holding the lock: the next
    message (through nginx, to replica 2) waits at most the lock TTL."""
    r = _kill_mid_conversation(scaled, "rasa-1", "0")
    assert r["next_s"] < LOCK_TTL_S + 7
    ack = "acknowledged and stored" if r["in_flight"].answered else "not acknowledged"
    print(f"\nkill -9 rasa-1: in-flight HTTP {r['in_flight'].status} ({ack}), next answered in {r['next_s']:.1f} s")


def test_invalid_sender_does_not_take_a_replica_down(scaled: Scaled) -> None:
    """A NUL byte in the sender id used to make Rasa exit its server loop; now HTTP 400."""
    state = scaled.state
    from .conftest import post

    bad = post(f"{state['rasa'][1]}/webhooks/rest/webhook", {"sender": "a\x00b", "message": "Hallo"})
    assert bad.status == 400 and bad.body == {"error": "invalid_sender"}
    assert scaled.chat(_sender("after-nul"), "Hallo", via="1").answered
    assert json.loads(json.dumps(bad.body))  # plain JSON
