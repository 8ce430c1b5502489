"""How long a purge of 100,000 old conversation events takes, and how long live writes wait meanwhile.

Usage: .venv/app/bin/python scripts/bench_retention.py [--url sqlite:///tmp/x.db | postgresql://...]
       [--old 100000] [--new 10000] [--batch 1000]
Creates Rasa's ``events`` table (same columns as rasa.core.tracker_store.SQLTrackerStore) in an
empty database (default: a temporary SQLite file), fills it with ``--old`` events 40 days old and
``--new`` recent ones (20 events per conversation, each starting with a session), runs
:func:`assistant.privacy.purge_tracker` while a second thread keeps appending events like Rasa does
(one transaction per turn), and prints rows deleted, seconds, and the live writer's slowest turn.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    select,
)

from assistant.privacy import purge_tracker

META = MetaData()
EVENTS = Table("events", META, Column("id", Integer, primary_key=True), Column("sender_id", String(255), index=True,
               nullable=False), Column("type_name", String(255), nullable=False), Column("timestamp", Float),
               Column("intent_name", String(255)), Column("action_name", String(255)), Column("data", Text))


def fill(engine, n: int, days_ago: float, prefix: str, now: float) -> None:
    rows = []
    for i in range(n):
        conv, k = divmod(i, 20)
        ts = now - days_ago * 86400 + conv + k * 0.01
        kind = "session_started" if k == 0 else ("user" if k % 2 else "bot")
        rows.append({"sender_id": f"{prefix}{conv}", "type_name": kind, "timestamp": ts,
                     "data": json.dumps({"event": kind, "timestamp": ts, "text": "Frage [Telefon]"})})
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(EVENTS.insert(), rows[start:start + 5000])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--old", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-retention-')}/tracker.db"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    META.drop_all(engine)
    META.create_all(engine)
    now = dt.datetime.now(dt.timezone.utc)
    fill(engine, args.old, 40, "old-", now.timestamp())
    fill(engine, args.new, 1, "new-", now.timestamp())
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    print(f"database: {url.split('@')[-1]}  events before: {total} ({args.old} older than 30 days)")

    stop = threading.Event()
    waits: list[float] = []

    def live_writer() -> None:
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            with engine.begin() as conn:  # one turn: a few events in one transaction, like Rasa's save
                conn.execute(EVENTS.insert(), [{"sender_id": "live", "type_name": "user", "timestamp": time.time(),
                                                "data": "{}"} for _ in range(4)])
            waits.append(time.perf_counter() - t0)
            i += 1
            time.sleep(0.02)

    writer = threading.Thread(target=live_writer)
    writer.start()
    t0 = time.perf_counter()
    deleted = purge_tracker(url, now, retention_days=30, batch=args.batch)
    took = time.perf_counter() - t0
    stop.set()
    writer.join()
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    engine.dispose()
    print(f"deleted: {deleted} rows in {took:.2f} s ({deleted / took:,.0f} rows/s, batches of {args.batch})")
    print(f"events after: {left} (recent and live ones kept)")
    if waits:
        print(f"live writer during the purge: {len(waits)} turns, median {statistics.median(waits) * 1000:.1f} ms, "
              f"slowest {max(waits) * 1000:.1f} ms")
    return 0 if deleted == args.old else 1


if __name__ == "__main__":
    raise SystemExit(main())
