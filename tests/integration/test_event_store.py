"""The SQLite event store: versions, optimistic concurrency, atomic appends, gap-free positions."""

from __future__ import annotations

import multiprocessing
import threading
import traceback

import pytest
from sqlalchemy import func, select

from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import ConcurrencyError, EventStore, NewEvent
from bandcrawler.store.tables import events


def new(n: int, kind: str = "Happened", **meta) -> list[NewEvent]:
    return [NewEvent(kind, {"n": i, "text": f"event {i} é"}, dict(meta)) for i in range(1, n + 1)]


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> EventStore:
    return EventStore(engine)


def positions(store: EventStore) -> list[int]:
    return [e.position for e in store.read_all()]


def test_append_then_read_stream_gives_versions_one_to_n(store):
    stored = store.append_now("concert-a", new(3, spider="demo"), 0)

    read = store.read_stream("concert-a")

    assert [e.version for e in read] == [1, 2, 3]
    assert read == stored
    assert [e.data["n"] for e in read] == [1, 2, 3]
    assert read[0].data["text"] == "event 1 é"
    assert read[0].meta == {"spider": "demo"}
    assert read[0].type == "Happened"
    assert store.read_stream("concert-other") == []


def test_appends_continue_the_stream_at_the_expected_version(store):
    store.append_now("concert-a", new(2), 0)
    store.append_now("concert-a", new(1), 2)

    assert [e.version for e in store.read_stream("concert-a")] == [1, 2, 3]


@pytest.mark.parametrize("stale", [0, 1, 5])
def test_a_stale_expected_version_raises_and_appends_nothing(store, stale):
    store.append_now("concert-a", new(2), 0)

    with pytest.raises(ConcurrencyError) as caught:
        store.append_now("concert-a", new(3), stale)

    assert caught.value.stream_id == "concert-a"
    assert [e.version for e in store.read_stream("concert-a")] == [1, 2]
    assert store.last_position() == 2


def test_a_multi_event_append_is_atomic_when_an_insert_fails_midway(store):
    unstorable = NewEvent("Happened", {"not json": object()})
    batch = [*new(2), unstorable, *new(1)]

    with pytest.raises(Exception), store.engine.begin() as conn:  # noqa: B017
        store.append(conn, "concert-a", batch, 0)

    assert store.read_stream("concert-a") == []
    assert store.last_position() == 0


def test_events_appended_in_a_transaction_that_fails_are_not_visible(store):
    store.append_now("concert-a", new(1), 0)

    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        store.append(conn, "concert-b", new(3), 0)
        store.append(conn, "concert-a", new(2), 1)
        assert len(store.read_stream("concert-b", conn=conn)) == 3  # visible inside only
        raise RuntimeError("crash after the inserts")

    assert store.read_stream("concert-b") == []
    assert [e.version for e in store.read_stream("concert-a")] == [1]
    assert positions(store) == [1]


def test_a_conflict_on_a_second_stream_aborts_the_whole_decision(store):
    store.append_now("concert-b", new(1), 0)

    with pytest.raises(ConcurrencyError), store.engine.begin() as conn:
        store.append(conn, "concert-a", new(2), 0)
        store.append(conn, "concert-b", new(1), 0)  # stale

    assert store.read_stream("concert-a") == []


def test_read_all_from_a_position_returns_later_events_in_order_across_batches(store):
    for i in range(5):
        store.append_now(f"concert-{i % 2}", new(2), 2 * (i // 2))

    later = list(store.read_all(3, batch_size=2))

    assert [e.position for e in later] == list(range(4, 11))
    assert list(store.read_all(10, batch_size=2)) == []
    assert [e.position for e in store.read_all(0, batch_size=3, limit=4)] == [1, 2, 3, 4]
    assert store.last_position() == 10


def test_positions_stay_gap_free_after_a_rolled_back_append(store):
    store.append_now("concert-a", new(2), 0)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        store.append(conn, "concert-b", new(3), 0)
        raise RuntimeError("rolled back")
    with pytest.raises(ConcurrencyError):
        store.append_now("concert-a", new(1), 0)
    store.append_now("concert-b", new(2), 0)

    assert positions(store) == [1, 2, 3, 4]


def test_two_threads_appending_at_the_same_version_exactly_one_wins(store):
    store.append_now("concert-a", new(1), 0)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(name: str) -> None:
        barrier.wait()
        try:
            store.append_now("concert-a", [NewEvent("Happened", {"by": name})], 1)
        except ConcurrencyError:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes.append(repr(exc))
        else:
            outcomes.append("won")

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["conflict", "won"]
    assert [e.version for e in store.read_stream("concert-a")] == [1, 2]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


EVENTS_PER_PROCESS = 200
PER_TRANSACTION = 4


def _append_from_another_process(url: str, name: str, errors) -> None:
    try:
        engine = make_engine(url)
        store = EventStore(engine)
        versions: dict[str, int] = {}
        for i in range(EVENTS_PER_PROCESS // PER_TRANSACTION):
            stream = f"concert-{name}-{i % 5}"
            expected = versions.get(stream, 0)
            store.append_now(stream, new(PER_TRANSACTION, process=name), expected)
            versions[stream] = expected + PER_TRANSACTION
        engine.dispose()
    except BaseException:  # noqa: BLE001 - the parent asserts there were none
        errors.put(f"{name}: {traceback.format_exc()}")


def test_two_processes_append_concurrently_without_locking_errors(database_url, store):
    spawn = multiprocessing.get_context("spawn")
    errors = spawn.Queue()
    workers = [spawn.Process(target=_append_from_another_process, args=(database_url, n, errors))
               for n in ("p1", "p2")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)

    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []
    assert [w.exitcode for w in workers] == [0, 0]
    assert positions(store) == list(range(1, 2 * EVENTS_PER_PROCESS + 1))
    with store.engine.connect() as conn:
        per_stream = dict(conn.execute(select(events.c.stream_id, func.count())
                                       .group_by(events.c.stream_id)).all())
    assert len(per_stream) == 10
    assert sum(per_stream.values()) == 2 * EVENTS_PER_PROCESS
    for stream, count in per_stream.items():
        assert [e.version for e in store.read_stream(stream)] == list(range(1, count + 1))
