"""Benchmark 2, the event store: append events in realistic batches, then read them all from
position 0; baselines are plain `sqlite3` executemany into an equivalent table and, when it is
installed, the `eventsourcing` library's SQLite recorder.

Targets: append at least 0.7x the plain-SQLite rate; read at least 200,000 events/s.

The realistic batch is what the pipeline writes: per concert one append of its listing
(`ConcertAnnounced`, and a status event for one in ten) and one of its location
(`ConcertGeocoded`), with the payloads and metadata a crawl records; one transaction holds the
appends of a batch of items (`--appends-per-transaction`, 100 by default), made with one
`EventStore.append_many` as the pipeline does. Also measured: the same appends with one
`EventStore.append` call each (on a tenth of the events), and one append per transaction, as
a pipeline that commits per item does.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bandcrawler.domain import events as ev
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore, NewEvent, utc_now
from benchmarks.support import Report, Target, arguments, median, say

FULL = {"events": 200_000}
QUICK = {"events": 3_000}

Append = tuple[str, list[NewEvent], int]  # stream id, events, expected version
Transaction = list[Append]


# -- the workload ------------------------------------------------------------------------------

def workload(total: int, per_transaction: int) -> list[Transaction]:
    """Appends of `total` events, as a crawl makes them, grouped into transactions."""
    appends: list[Append] = []
    concert, group = 0, []
    count = 0
    while count < total:
        concert += 1
        group.append(concert)
        if len(group) == per_transaction // 2 or count + 3 * len(group) >= total:
            for number in group:  # record, then geocode, as the pipeline steps do
                listed = _listing_events(number)
                appends.append((f"concert-{number:024x}", listed, 0))
                count += len(listed)
            for number in group:
                appends.append((f"concert-{number:024x}", [_geocoded(number)], 1 + (
                    number % 10 == 0)))
                count += 1
            group = []
    return [appends[i:i + per_transaction] for i in range(0, len(appends), per_transaction)]


META = {"spider": "jsonld", "job": None}


def _listing_events(number: int) -> list[NewEvent]:
    cid, now = f"{number:024x}", utc_now()
    details = {
        "title": f"The Synthetic {number % 100:03d}s live in City {number % 500}",
        "local_date": "2031-03-04", "local_time": "20:00", "utc_offset": None,
        "venue": {"name": f"Club {number % 97}", "address": f"{number % 200} Main St",
                  "city": f"City {number % 500}", "region": None, "postal_code": None,
                  "country": "DE"},
        "source_location": None, "online": False,
        "lineup": [f"The Synthetic {number % 100:03d}s", f"Support Act {number % 50}"],
        "url": f"https://band.example/events/{number}",
        "ticket_url": f"https://tickets.example/band/{number}",
    }
    meta = {**META, "source_url": f"http://127.0.0.1:8000/band/tour/page-{number // 5}.html"}
    decided: list[ev.DomainEvent] = [ev.ConcertAnnounced(
        cid, f"band-{number % 100}", f"The Synthetic {number % 100:03d}s", "jsonld", details,
        now)]
    if number % 10 == 0:
        decided.append(ev.ConcertCancelled(cid, "jsonld", now))
    return [NewEvent(e.type, e.to_data(), meta) for e in decided]


def _geocoded(number: int) -> NewEvent:
    event = ev.ConcertGeocoded(f"{number:024x}", 52.52, 13.405, "city", "Europe/Berlin",
                               utc_now(), "DE")
    return NewEvent(event.type, event.to_data(), META)


# -- bandcrawler ---------------------------------------------------------------------------------

def bandcrawler_append(url: str, transactions: list[Transaction]) -> float:
    """Each transaction's appends in one `append_many`, as the pipeline's batches do."""
    engine = make_engine(url)
    store = EventStore(engine)
    started = time.perf_counter()
    for transaction in transactions:
        with engine.begin() as conn:
            store.append_many(conn, transaction)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def bandcrawler_append_each(url: str, transactions: list[Transaction]) -> float:
    """One `append` call per stream."""
    engine = make_engine(url)
    store = EventStore(engine)
    started = time.perf_counter()
    for transaction in transactions:
        with engine.begin() as conn:
            for stream_id, new, expected in transaction:
                store.append(conn, stream_id, new, expected)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def bandcrawler_read(url: str) -> tuple[float, int]:
    engine = make_engine(url)
    store = EventStore(engine)
    started = time.perf_counter()
    count = sum(1 for _ in store.read_all())
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, count


# -- baselines ---------------------------------------------------------------------------------

_TABLE = """CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id VARCHAR(200) NOT NULL,
  version INTEGER NOT NULL, type VARCHAR(100) NOT NULL, data JSON NOT NULL, meta JSON NOT NULL,
  recorded_at VARCHAR(40) NOT NULL, UNIQUE (stream_id, version))"""


def _sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def sqlite_append(path: Path, transactions: list[Transaction]) -> float:
    conn = _sqlite(path)
    conn.execute(_TABLE)
    insert_sql = ("INSERT INTO events (stream_id, version, type, data, meta, recorded_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)")
    started = time.perf_counter()
    for transaction in transactions:
        now = utc_now()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert_sql, [
            (stream_id, expected + i, e.type, json.dumps(e.data), json.dumps(e.meta), now)
            for stream_id, new, expected in transaction
            for i, e in enumerate(new, start=1)])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def sqlite_read(path: Path) -> tuple[float, int]:
    conn = _sqlite(path)
    started = time.perf_counter()
    rows = [(position, stream, version, kind, json.loads(data), json.loads(meta), at)
            for position, stream, version, kind, data, meta, at in conn.execute(
                "SELECT position, stream_id, version, type, data, meta, recorded_at "
                "FROM events ORDER BY position")]
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, len(rows)


def sqlite_read_raw(path: Path) -> tuple[float, int]:
    """The same rows without decoding their JSON: the bound on any reader that decodes it."""
    conn = _sqlite(path)
    started = time.perf_counter()
    rows = conn.execute("SELECT position, stream_id, version, type, data, meta, recorded_at "
                        "FROM events ORDER BY position").fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, len(rows)


def _eventsourcing(path: Path):
    try:
        from eventsourcing.persistence import StoredEvent as EsStoredEvent
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
    except ImportError:
        return None
    datastore = SQLiteDatastore(str(path))
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    return datastore, recorder, EsStoredEvent


def eventsourcing_append(path: Path, transactions: list[Transaction]) -> float | None:
    found = _eventsourcing(path)
    if found is None:
        return None
    datastore, recorder, stored_event = found
    ids: dict[str, uuid.UUID] = {}
    started = time.perf_counter()
    for transaction in transactions:
        recorder.insert_events([
            stored_event(ids.setdefault(stream_id, uuid.uuid4()), expected + i, e.type,
                         json.dumps({"data": e.data, "meta": e.meta}).encode())
            for stream_id, new, expected in transaction for i, e in enumerate(new, start=1)])
    elapsed = time.perf_counter() - started
    datastore.close()
    return elapsed


def eventsourcing_read(path: Path) -> tuple[float, int] | None:
    found = _eventsourcing(path)
    if found is None:
        return None
    datastore, recorder, _ = found
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        batch = recorder.select_notifications(start, 5000)
        count += sum(1 for n in batch if json.loads(n.state))
        if len(batch) < 5000:
            break
        start = batch[-1].id + 1
    elapsed = time.perf_counter() - started
    datastore.close()
    return elapsed, count


# -- the run -----------------------------------------------------------------------------------

def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=3, extra=lambda p: p.add_argument(
        "--appends-per-transaction", type=int, default=100))
    sizes = {**(QUICK if args.quick else FULL),
             "appends_per_transaction": args.appends_per_transaction}
    transactions = workload(sizes["events"], args.appends_per_transaction)
    # The workload is millions of objects that live to the end: out of the cyclic collector's
    # sight, or the first full collection after it was built (0.4 s) lands in whichever
    # measurement runs then.
    gc.collect()
    gc.freeze()
    total = _events(transactions)
    # A call per stream is slow enough that a tenth of the events (at most 20,000) measures it.
    part = transactions[: max(1, len(transactions) * min(20_000, total // 10) // total)]
    singles = [[append] for append in _flat(part)[:2000]]
    sizes.update(events=total, appends=len(_flat(transactions)),
                 events_for_append_each=_events(part),
                 appends_one_per_transaction=len(singles))
    results: dict[str, list[float]] = {}

    def measure(name: str, run: Callable[[Path], Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            value = run(Path(tmp))
        if value is not None:
            results.setdefault(name, []).append(value)

    for number in range(args.runs):
        say(f"run {number + 1}/{args.runs}")
        measure("sqlite append", lambda d: total / sqlite_append(d / "e.db", transactions))
        measure("bandcrawler append", lambda d: _append_then_read(d, transactions, results))
        measure("bandcrawler append, one call per stream", lambda d: _events(part) /
                bandcrawler_append_each(f"sqlite:///{d / 'e.db'}", part))
        measure("eventsourcing append", lambda d: _es_append_then_read(d, transactions,
                                                                        total, results))
        measure("bandcrawler append, one per transaction", lambda d: _events(singles) /
                bandcrawler_append(f"sqlite:///{d / 'e.db'}", singles))
        measure("sqlite append, one per transaction", lambda d: _events(singles) /
                sqlite_append(d / "e.db", singles))
    rates = {name: median(values) for name, values in results.items()}
    report = Report("event_store", args, sizes)
    report.figures = {f"{name} events/s": rate for name, rate in rates.items()}
    report.figures["append ratio, bandcrawler / sqlite"] = (
        rates["bandcrawler append"] / rates["sqlite append"])
    report.figures["read ratio, bandcrawler / sqlite"] = (
        rates["bandcrawler read"] / rates["sqlite read"])
    report.targets = [
        Target("append_ratio", rates["bandcrawler append"] / rates["sqlite append"], ">=", 0.7),
        Target("read_events_per_s", rates["bandcrawler read"], ">=", 200_000),
    ]
    report.emit()


def _events(transactions: list[Transaction]) -> int:
    return sum(len(new) for transaction in transactions for _, new, _ in transaction)


def _flat(transactions: list[Transaction]) -> list[Append]:
    return [append for transaction in transactions for append in transaction]


def _append_then_read(directory: Path, transactions: list[Transaction],
                      results: dict[str, list[float]]) -> float:
    """Append everything with `append_many`, then read the file back three ways."""
    url = f"sqlite:///{directory / 'e.db'}"
    total = _events(transactions)
    rate = total / bandcrawler_append(url, transactions)
    for name, read in (("bandcrawler read", bandcrawler_read),
                       ("sqlite read", lambda _: sqlite_read(directory / "e.db")),
                       ("sqlite read without JSON decoding",
                        lambda _: sqlite_read_raw(directory / "e.db"))):
        elapsed, count = read(url)
        if count != total:
            raise RuntimeError(f"{name}: read {count} events of {total}")
        results.setdefault(name, []).append(count / elapsed)
    return rate


def _es_append_then_read(directory: Path, transactions: list[Transaction], total: int,
                         results: dict[str, list[float]]) -> float | None:
    elapsed = eventsourcing_append(directory / "es.db", transactions)
    if elapsed is None:
        say("eventsourcing is not installed: its baseline is skipped")
        return None
    read = eventsourcing_read(directory / "es.db")
    if read is not None:
        results.setdefault("eventsourcing read", []).append(read[1] / read[0])
    return total / elapsed


if __name__ == "__main__":
    main()
