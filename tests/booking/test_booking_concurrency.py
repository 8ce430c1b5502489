"""Many residents book the same slot at once: the database decides, exactly ``counters`` win.

Threads share one engine; processes each create their own engine (like several action-server
workers). Both on SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from zoneinfo import ZoneInfo

import pytest
from booking_support import book_in_own_process, with_office_changes
from sqlalchemy import func, select

from assistant.booking import service as B
from assistant.booking.models import Appointment, SlotClaim

TZ = ZoneInfo("Europe/Berlin")
KW = "kleinwalde_buergerbuero"
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
SLOT = dt.datetime(2026, 11, 3, 9, 0, tzinfo=TZ)


def _appointments(sm) -> list[Appointment]:
    with sm() as s:
        return list(s.scalars(select(Appointment)))


@pytest.mark.parametrize("counters", [1, 2])
def test_twenty_threads_race_for_one_slot(sm, kb, counters):
    office_kb = with_office_changes(kb, KW, counters=counters)
    barrier = threading.Barrier(20)
    results: list = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait(timeout=30)
        try:
            outcome = ("ok", B.book(sm, office_kb, KW, "personalausweis", SLOT, NOW, TZ).code)
        except B.SlotTaken:
            outcome = ("taken", None)
        except Exception as exc:  # noqa: BLE001 - any other error is a failure of the test
            outcome = ("error", repr(exc))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    winners = [code for kind, code in results if kind == "ok"]
    errors = [r for r in results if r[0] == "error"]
    assert errors == []
    assert len(winners) == counters
    assert sum(1 for kind, _ in results if kind == "taken") == 20 - counters
    rows = _appointments(sm)
    assert sorted(r.code for r in rows) == sorted(winners)
    assert sorted(r.counter for r in rows) == list(range(1, counters + 1))
    with sm() as s:
        assert s.scalar(select(func.count()).select_from(SlotClaim)) == 4 * counters


@pytest.mark.parametrize("counters", [1, 2])
def test_eight_processes_race_for_one_slot(engine, sm, db_url, kb, counters):
    office_kb = with_office_changes(kb, KW, counters=counters)
    # fork is fast; no connection may be open across the fork, so the parent's pool is emptied first
    engine.dispose()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(8)
    results = ctx.Queue()
    procs = [ctx.Process(target=book_in_own_process,
                         args=(db_url, office_kb, KW, "personalausweis", SLOT.isoformat(), NOW.isoformat(),
                               barrier, results)) for _ in range(8)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    winners = [code for kind, code in outcomes if kind == "ok"]
    losers = [msg for kind, msg in outcomes if kind == "error"]
    assert len(winners) == counters
    assert len(losers) == 8 - counters
    assert all(msg.startswith("SlotTaken") for msg in losers), losers
    rows = _appointments(sm)
    assert sorted(r.code for r in rows) == sorted(winners)
    assert sorted(r.counter for r in rows) == list(range(1, counters + 1))
