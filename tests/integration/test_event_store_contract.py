"""The event store contract: versions, optimistic concurrency, atomic appends, gap-free
positions in commit order, and the migrated schema. One test case, run against every backend
by a subclass that only says how to create the database (SQLite file, PostgreSQL schema)."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import traceback

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String, cast, select
from sqlalchemy.exc import StatementError

from bandcrawler.domain.upcasting import current_version
from bandcrawler.store import event_store
from bandcrawler.store.engine import HEAD_REVISION, make_engine
from bandcrawler.store.errors import KeyTaken
from bandcrawler.store.event_store import CHUNK, ConcurrencyError, EventStore, NewEvent
from bandcrawler.store.tables import events, metadata
from tests.support.postgres import postgres_schema_url, requires_postgres

GEOCODED_V1 = {"concert_id": "a", "latitude": 48.85, "longitude": 2.35, "precision": "city",
               "timezone": "Europe/Paris", "at": "2025-01-01T00:00:00Z"}


def new(n: int, kind: str = "Happened", **meta) -> list[NewEvent]:
    return [NewEvent(kind, {"n": i, "text": f"event {i} é"}, dict(meta)) for i in range(1, n + 1)]


def positions(store: EventStore) -> list[int]:
    return [e.position for e in store.read_all()]


# A log of several categories, appended one event at a time: the stream at each position.
# "concert", "concerts-x" and "concert.x" are not of the category "concert".
MIXED_LOG = ["concert-b", "concerts-x", "concert-a", "concert", "concert-b", "band-a",
             "concert-a", "concert.x", "concert-a", "watch-a", "concert-b", "concert-c"]
# Its category "concert" by stream and version: (stream, version, position).
CONCERTS = [("concert-a", 1, 3), ("concert-a", 2, 7), ("concert-a", 3, 9), ("concert-b", 1, 1),
            ("concert-b", 2, 5), ("concert-b", 3, 11), ("concert-c", 1, 12)]


def append_mixed_log(store: EventStore) -> None:
    """MIXED_LOG, each event's data its version and its metadata its position."""
    versions: dict[str, int] = {}
    for position, stream in enumerate(MIXED_LOG, start=1):
        version = versions.get(stream, 0)
        store.append_now(stream, [NewEvent("Happened", {"n": version + 1},
                                           {"position": position})], version)
        versions[stream] = version + 1


class EventStoreContract:
    """What every backend must do. Subclasses provide the `database_url` fixture."""

    @pytest.fixture
    def engine(self, database_url):
        engine = make_engine(database_url)
        yield engine
        engine.dispose()

    @pytest.fixture
    def store(self, engine) -> EventStore:
        return EventStore(engine)

    def test_append_then_read_stream_gives_versions_one_to_n(self, store):
        stored = store.append_now("concert-a", new(3, spider="demo"), 0)

        read = store.read_stream("concert-a")

        assert [e.version for e in read] == [1, 2, 3]
        assert read == stored
        assert [e.data["n"] for e in read] == [1, 2, 3]
        assert read[0].data["text"] == "event 1 é"
        assert read[0].meta == {"spider": "demo"}
        assert read[0].type == "Happened"
        assert store.read_stream("concert-other") == []

    def test_json_values_read_back_as_written_and_stored_as_standard_json(self, store):
        data = {"text": "Motörhead – “Ace” 🂡", "lat": 52.520008, "small": 1e-7, "neg": -0.0,
                "big": 2**70 + 1, "long": -(2**63) - 1, "id": "12345678901234567890",
                "nested": {"list": [1, "two", None, True, {"x": []}]},
                "empty": {}, "tuple": (1, 2)}
        store.append_now("concert-a", [NewEvent("Happened", data, {"source_url": "é"})], 0)

        [read] = store.read_stream("concert-a")
        with store.engine.connect() as conn:
            text = conn.execute(select(cast(events.c.data, String))).scalar_one()

        assert read.data == {**data, "tuple": [1, 2]}
        assert read.meta == {"source_url": "é"}
        assert json.loads(text) == {**data, "tuple": [1, 2]}

    def test_a_read_keeps_every_event_exact_beside_ones_only_the_json_module_reads(self, store):
        # Reads decode many events at once; values orjson would not read exactly (integers
        # beyond 64 bits) and digit runs that merely look like them must not shift or
        # change any event of the batch.
        datas = [{"n": 1}, {"big": 2**64}, {"text": "tickets, 123456789012345678901234"},
                 {"neg": -(2**63) - 1}, {"list": [2**65, 1.5, "x"]}, {"edge": 2**64 - 1},
                 {"id": "concert-00000000000000000000000001"}, {"n": 8}]
        store.append_now("concert-a", [NewEvent("Happened", d, {"i": i})
                                       for i, d in enumerate(datas)], 0)
        store.append_now("concert-b", new(3), 0)

        read = list(store.read_all(batch_size=5))

        assert [e.data for e in read[:8]] == datas
        assert [e.meta for e in read[:8]] == [{"i": i} for i in range(8)]
        assert [e.data["n"] for e in read[8:]] == [1, 2, 3]
        assert [e.data for e in store.read_stream("concert-a")] == datas
        assert type(read[1].data["big"]) is int

    def test_appends_continue_the_stream_at_the_expected_version(self, store):
        store.append_now("concert-a", new(2), 0)
        store.append_now("concert-a", new(1), 2)

        assert [e.version for e in store.read_stream("concert-a")] == [1, 2, 3]


    @pytest.mark.parametrize("stale", [0, 1, 5])
    def test_a_stale_expected_version_raises_and_appends_nothing(self, store, stale):
        store.append_now("concert-a", new(2), 0)

        with pytest.raises(ConcurrencyError) as caught:
            store.append_now("concert-a", new(3), stale)

        assert caught.value.stream_id == "concert-a"
        assert [e.version for e in store.read_stream("concert-a")] == [1, 2]
        assert store.last_position() == 2

    def test_a_multi_event_append_is_atomic_when_an_insert_fails_midway(self, store):
        unstorable = NewEvent("Happened", {"not json": object()})
        batch = [*new(2), unstorable, *new(1)]

        with pytest.raises(Exception), store.engine.begin() as conn:  # noqa: B017
            store.append(conn, "concert-a", batch, 0)

        assert store.read_stream("concert-a") == []
        assert store.last_position() == 0

    def test_events_appended_in_a_transaction_that_fails_are_not_visible(self, store):
        store.append_now("concert-a", new(1), 0)

        with pytest.raises(RuntimeError), store.engine.begin() as conn:
            store.append(conn, "concert-b", new(3), 0)
            store.append(conn, "concert-a", new(2), 1)
            assert len(store.read_stream("concert-b", conn=conn)) == 3  # visible inside only
            raise RuntimeError("crash after the inserts")

        assert store.read_stream("concert-b") == []
        assert [e.version for e in store.read_stream("concert-a")] == [1]
        assert positions(store) == [1]

    def test_a_conflict_on_a_second_stream_aborts_the_whole_decision(self, store):
        store.append_now("concert-b", new(1), 0)

        with pytest.raises(ConcurrencyError), store.engine.begin() as conn:
            store.append(conn, "concert-a", new(2), 0)
            store.append(conn, "concert-b", new(1), 0)  # stale

        assert store.read_stream("concert-a") == []

    # -- many streams at once --------------------------------------------------------------

    def test_append_many_appends_to_several_streams_with_consecutive_positions(self, store):
        store.append_now("concert-b", new(1), 0)

        with store.engine.begin() as conn:
            stored = store.append_many(conn, [("concert-a", new(2), 0), ("concert-b", new(1), 1),
                                              ("band-c", new(1, "Registered"), 0)])

        assert [(e.stream_id, e.version, e.position) for e in stored] == [
            ("concert-a", 1, 2), ("concert-a", 2, 3), ("concert-b", 2, 4), ("band-c", 1, 5)]
        assert store.read_stream("concert-a") == stored[:2]
        assert [e.version for e in store.read_stream("concert-b")] == [1, 2]
        assert list(store.read_all(1)) == stored
        assert len({e.recorded_at for e in stored}) == 1

    def test_append_many_takes_the_same_stream_twice_at_the_version_the_first_reaches(
            self, store):
        with store.engine.begin() as conn:
            store.append_many(conn, [("concert-a", new(2), 0), ("concert-b", new(1), 0),
                                     ("concert-a", new(1), 2)])

        assert [(e.stream_id, e.version) for e in store.read_all()] == [
            ("concert-a", 1), ("concert-a", 2), ("concert-b", 1), ("concert-a", 3)]

    @pytest.mark.parametrize("stale", [("concert-b", 0), ("concert-a", 1)],
                             ids=["another-stream", "the-same-stream-again"])
    def test_a_conflict_anywhere_in_append_many_appends_nothing(self, store, stale):
        store.append_now("concert-b", new(1), 0)

        with pytest.raises(ConcurrencyError) as caught, store.engine.begin() as conn:
            store.append_many(conn, [("concert-a", new(2), 0), ("concert-c", new(1), 0),
                                     (stale[0], new(1), stale[1])])

        assert caught.value.stream_id == stale[0]
        assert positions(store) == [1]
        assert store.read_stream("concert-a") == store.read_stream("concert-c") == []

    def test_a_failed_append_many_leaves_the_callers_earlier_work_and_no_gap(self, store):
        with store.engine.begin() as conn:
            store.append(conn, "concert-a", new(1), 0)
            with pytest.raises(ConcurrencyError):
                store.append_many(conn, [("concert-b", new(2), 0), ("concert-a", new(1), 0)])
            with pytest.raises((StatementError, TypeError)):  # unstorable: fails in the INSERT
                store.append_many(conn, [("concert-b", new(2), 0), ("concert-c", [
                    NewEvent("Happened", {"not json": object()})], 0)])
            store.append_many(conn, [("concert-b", new(2), 0)])

        assert [(e.stream_id, e.position) for e in store.read_all()] == [
            ("concert-a", 1), ("concert-b", 2), ("concert-b", 3)]

    def test_an_insert_past_a_stale_version_check_is_refused_by_the_key_alone(
            self, store, monkeypatch):
        # The append lock keeps every writer from getting past the version check with a
        # stale version; were one to, the unique (stream, version) key refuses its insert,
        # and only the append's savepoint rolls back: the caller's transaction goes on.
        store.append_now("concert-a", new(1), 0)
        with store.engine.begin() as conn:
            store.append(conn, "concert-b", new(1), 0)
            with monkeypatch.context() as stale:
                stale.setattr(event_store, "stream_versions", lambda conn, ids: {})
                with pytest.raises(ConcurrencyError) as caught:
                    store.append(conn, "concert-a", new(1), 0)  # version 1 is taken
            store.append(conn, "concert-b", new(1), 1)

        assert isinstance(caught.value.__cause__, KeyTaken)
        assert [(e.stream_id, e.version, e.position) for e in store.read_all()] == [
            ("concert-a", 1, 1), ("concert-b", 1, 2), ("concert-b", 2, 3)]

    def test_append_many_of_nothing_does_nothing(self, store):
        with store.engine.begin() as conn:
            assert store.append_many(conn, []) == []
            assert store.append_many(conn, [("concert-a", [], 0)]) == []
            with pytest.raises(ConcurrencyError):
                store.append_many(conn, [("concert-a", [], 3)])  # still checked

        assert store.last_position() == 0

    def test_append_many_checks_more_streams_than_one_query_holds(self, store):
        appends = [(f"concert-{i:04d}", new(1), 0) for i in range(1200)]
        with store.engine.begin() as conn:
            store.append_many(conn, appends)

        with pytest.raises(ConcurrencyError) as caught, store.engine.begin() as conn:
            store.append_many(conn, [(f"concert-{i:04d}", new(1), 1) for i in range(1199)]
                              + [("concert-1199", new(1), 0)])

        assert caught.value.stream_id == "concert-1199"
        assert positions(store) == list(range(1, 1201))

    def test_read_all_from_a_position_returns_later_events_in_order_across_batches(self, store):
        for i in range(5):
            store.append_now(f"concert-{i % 2}", new(2), 2 * (i // 2))

        later = list(store.read_all(3, batch_size=2))

        assert [e.position for e in later] == list(range(4, 11))
        assert list(store.read_all(10, batch_size=2)) == []
        assert [e.position for e in store.read_all(0, batch_size=3, limit=4)] == [1, 2, 3, 4]
        assert store.last_position() == 10

    def test_positions_stay_gap_free_after_a_rolled_back_append(self, store):
        store.append_now("concert-a", new(2), 0)
        with pytest.raises(RuntimeError), store.engine.begin() as conn:
            store.append(conn, "concert-b", new(3), 0)
            raise RuntimeError("rolled back")
        with pytest.raises(ConcurrencyError):
            store.append_now("concert-a", new(1), 0)
        store.append_now("concert-b", new(2), 0)

        assert positions(store) == [1, 2, 3, 4]

    def test_two_threads_appending_at_the_same_version_exactly_one_wins(self, store):
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

    def test_a_reader_tailing_from_a_checkpoint_reads_every_event_once_in_order(
            self, database_url):
        """Writers in several processes, all starting on an empty database (so they migrate
        it at the same moment), decide on overlapping streams, re-reading on a conflict, while
        this process tails the log: an event that commits later never has a lower position
        than one already read, so the tail never skips anything, and nothing is locked out."""
        read: list = []
        checkpoint = 0
        store: EventStore | None = None

        def tail() -> None:
            nonlocal checkpoint, store
            store = store or EventStore(make_engine(database_url))
            for event in store.read_all(checkpoint, batch_size=7):
                assert event.position == checkpoint + 1, "the tail skipped a position"
                read.append(event)
                checkpoint = event.position

        outcomes = run_processes(_decide_on_shared_streams, database_url,
                                 ("w1", "w2", "w3", "w4"), while_running=tail)
        tail()
        assert store is not None
        everything = list(store.read_all())
        store.engine.dispose()

        assert outcomes.errors == []
        assert outcomes.exitcodes == [0, 0, 0, 0]
        total = 4 * DECISIONS_PER_WRITER * EVENTS_PER_DECISION
        assert [e.position for e in read] == list(range(1, total + 1))
        assert read == everything  # what the tail saw is the log as it stands
        per_writer = {}
        for event in read:
            per_writer.setdefault(event.meta["writer"], []).append(event.data["decision"])
        # Each writer's decisions appear once each, in the order it made them.
        for decisions in per_writer.values():
            assert decisions == sorted(decisions)
            assert len(decisions) == DECISIONS_PER_WRITER * EVENTS_PER_DECISION
        for stream in {e.stream_id for e in read}:
            versions = [e.version for e in read if e.stream_id == stream]
            assert versions == list(range(1, len(versions) + 1))
        print(f"\n{self.backend}: {total} events from 4 processes on "
              f"{len(WRITERS_SHARED)} shared streams; {sum(outcomes.conflicts)} conflicts "
              f"retried; tail read {len(read)} in {outcomes.seconds:.1f}s")

    # -- reads of many streams: by stream and version -------------------------------------

    def test_read_streams_gives_the_named_streams_by_stream_and_version(self, store):
        append_mixed_log(store)

        with store.engine.connect() as conn:
            read = store.read_streams(conn, ["concert-b", "concert-a", "concert-none",
                                             "concert-b", "band-a"])
            early = store.read_streams(conn, ["concert-b", "concert-a"], up_to_position=8)
            bare = store.read_streams(conn, ["concert-a"], with_meta=False)

        assert [(e.stream_id, e.version, e.position) for e in read] == [
            ("band-a", 1, 6), ("concert-a", 1, 3), ("concert-a", 2, 7), ("concert-a", 3, 9),
            ("concert-b", 1, 1), ("concert-b", 2, 5), ("concert-b", 3, 11)]
        assert [e.meta for e in read] == [{"position": e.position} for e in read]
        assert [(e.stream_id, e.version) for e in early] == [
            ("concert-a", 1), ("concert-a", 2), ("concert-b", 1), ("concert-b", 2)]
        assert [e.meta for e in bare] == [None, None, None]
        assert [e.data for e in bare] == [e.data for e in read[1:4]]
        assert read[1:4] == store.read_stream("concert-a")

    def test_read_streams_reads_more_streams_than_one_query_holds(self, store):
        names = [f"concert-{i:04d}" for i in range(CHUNK + 100)]
        with store.engine.begin() as conn:
            store.append_many(conn, [(name, new(2), 0) for name in names])

        with store.engine.connect() as conn:
            read = store.read_streams(conn, [*reversed(names), names[0]])

        assert [(e.stream_id, e.version) for e in read] == [
            (name, version) for name in names for version in (1, 2)]

    def test_read_category_reads_only_the_streams_named_category_dash_something(
            self, store):
        append_mixed_log(store)

        with store.engine.connect() as conn:
            read = list(store.read_category("concert", conn=conn))
            early = list(store.read_category("concert", up_to_position=8, conn=conn))
            bare = list(store.read_category("concert", with_meta=False, conn=conn))
            ids = store.stream_ids(conn, "concert")
            early_ids = store.stream_ids(conn, "concert", up_to_position=8)

        # Not "concert", "concerts-x", "concert.x" nor another category's streams.
        assert [(e.stream_id, e.version, e.position) for e in read] == CONCERTS
        assert [e.meta for e in read] == [{"position": e.position} for e in read]
        assert [(e.stream_id, e.version) for e in early] == [
            ("concert-a", 1), ("concert-a", 2), ("concert-b", 1), ("concert-b", 2)]
        assert [e.meta for e in bare] == [None] * len(CONCERTS)
        assert [e.data for e in bare] == [e.data for e in read]
        assert ids == {"concert-a", "concert-b", "concert-c"}
        assert early_ids == {"concert-a", "concert-b"}
        assert [e.stream_id for e in store.read_category("concerts")] == ["concerts-x"]
        assert list(store.read_category("nothing")) == []

    @pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 8])  # 7: a full last page
    def test_read_category_pages_through_streams_on_connections_of_its_own(
            self, store, batch_size):
        append_mixed_log(store)

        read = store.read_category("concert", batch_size=batch_size)

        assert [(e.stream_id, e.version, e.position) for e in read] == CONCERTS
        assert [(e.stream_id, e.version) for e in store.read_category(
            "concert", up_to_position=8, batch_size=batch_size)] == [
            ("concert-a", 1), ("concert-a", 2), ("concert-b", 1), ("concert-b", 2)]

    def test_last_position_on_a_connection_sees_its_transactions_appends(self, store):
        store.append_now("concert-a", new(2), 0)

        with store.engine.begin() as conn:
            store.append(conn, "watch-a", new(3), 0)
            assert store.last_position(conn) == 5
        assert store.last_position() == 5
        with store.engine.connect() as conn:
            assert store.last_position(conn) == 5

    def test_every_read_of_many_streams_gives_an_older_schemas_event_in_todays(self, store):
        store_v1_geocoded(store)
        store.append_now("concert-a", new(1), 1)
        store.append_now("concert-0", new(1), 0)  # the page before concert-a's

        with store.engine.connect() as conn:
            reads = [store.read_streams(conn, ["concert-a", "concert-0"]),
                     store.read_streams(conn, ["concert-a"], with_meta=False),
                     list(store.read_category("concert", conn=conn)),
                     list(store.read_category("concert", batch_size=1))]

        today = current_version("ConcertGeocoded")
        for read in reads:
            geocoded = next(e for e in read if e.type == "ConcertGeocoded")
            assert geocoded.data == GEOCODED_V1 | {"country": None}
            assert geocoded.schema_version == today
            assert [e.data for e in read if e.type == "Happened"][-1] == {
                "n": 1, "text": "event 1 é"}

    # -- schema versions of the events ---------------------------------------------------

    def test_an_append_records_the_schema_version_todays_code_writes(self, store):
        store.append_now("concert-a", [NewEvent("ConcertGeocoded", GEOCODED_V1 | {
            "country": "FR"}), NewEvent("Happened", {"n": 1})], 0)

        with store.engine.connect() as conn:
            found = conn.execute(select(events.c.type, events.c.schema_version)
                                 .order_by(events.c.position)).all()

        assert found == [("ConcertGeocoded", current_version("ConcertGeocoded")),
                         ("Happened", 1)]
        assert current_version("ConcertGeocoded") == 2

    def test_an_event_stored_in_an_older_schema_is_read_in_todays(self, store):
        store_v1_geocoded(store)

        for read in (store.read_stream("concert-a"), list(store.read_all())):
            assert [e.data for e in read] == [GEOCODED_V1 | {"country": None}]

    # -- the schema ------------------------------------------------------------------------

    def test_the_migrated_schema_is_the_one_the_code_declares(self, engine):
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert context.get_current_heads() == (HEAD_REVISION,)
            assert compare_metadata(context, metadata) == []


# -- work done in other processes ----------------------------------------------------------

WRITERS_SHARED = [f"concert-shared-{i}" for i in range(3)]
DECISIONS_PER_WRITER = 40
EVENTS_PER_DECISION = 2


class Outcomes:
    def __init__(self, errors, exitcodes, conflicts, seconds):
        self.errors, self.exitcodes = errors, exitcodes
        self.conflicts, self.seconds = conflicts, seconds


def run_processes(target, url: str, names, while_running=None) -> Outcomes:
    spawn = multiprocessing.get_context("spawn")
    errors, conflicts = spawn.Queue(), spawn.Queue()
    workers = [spawn.Process(target=target, args=(url, name, errors, conflicts))
               for name in names]
    started = time.monotonic()
    for w in workers:
        w.start()
    while any(w.is_alive() for w in workers) and time.monotonic() - started < 120:
        if while_running is not None:
            while_running()
        time.sleep(0.01)
    for w in workers:
        w.join(timeout=10)
    seconds = time.monotonic() - started
    return Outcomes(_drain(errors), [w.exitcode for w in workers], _drain(conflicts), seconds)


def _drain(queue) -> list:
    found = []
    while True:
        try:
            found.append(queue.get(timeout=0.1))
        except Exception:  # noqa: BLE001 - queue.Empty: drained
            return found


def _decide_on_shared_streams(url: str, name: str, errors, conflicts) -> None:
    """Like a recorder: read the stream's version, decide, append; on a conflict, re-read."""
    retried = 0
    try:
        engine = make_engine(url)
        store = EventStore(engine)
        for decision in range(DECISIONS_PER_WRITER):
            stream = WRITERS_SHARED[decision % len(WRITERS_SHARED)]
            batch = [NewEvent("Decided", {"decision": decision * EVENTS_PER_DECISION + i},
                              {"writer": name}) for i in range(EVENTS_PER_DECISION)]
            while True:
                try:
                    with engine.begin() as conn:
                        version = store.stream_version(conn, stream)
                        time.sleep(0.001)  # widen the window another writer can slip into
                        store.append(conn, stream, batch, version)
                    break
                except ConcurrencyError:
                    retried += 1
        engine.dispose()
        conflicts.put(retried)
    except BaseException:  # noqa: BLE001 - the parent asserts there were none
        errors.put(f"{name}: {traceback.format_exc()}")


# -- the backends --------------------------------------------------------------------------


class TestSQLiteEventStore(EventStoreContract):
    backend = "SQLite"

    @pytest.fixture
    def database_url(self, tmp_path) -> str:
        return f"sqlite:///{tmp_path / 'bandcrawler.db'}"

    def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(self, engine):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000

    def test_a_write_transaction_is_the_only_writer_and_readers_do_not_wait_for_it(
            self, store, database_url):
        import sqlite3

        store.append_now("concert-a", new(1), 0)
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0,
                                isolation_level=None)
        with store.engine.begin() as conn:  # IMMEDIATE: the write lock before any statement
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            assert store.last_position() == 1  # engine.connect(): a read takes no lock
            assert [e.position for e in store.read_all()] == [1]
            assert store.read_stream("concert-a")[0].version == 1
            assert time.monotonic() - started < 5  # the busy timeout is 30 s
            store.append(conn, "concert-a", new(1), 1)
        with store.engine.connect() as conn:  # a read leaves writers free meanwhile
            assert store.stream_version(conn, "concert-a") == 2
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            with conn.begin_nested():  # not a read: IMMEDIATE
                pass
        other.close()

    def test_a_database_made_before_migrations_is_adopted_not_recreated(self, database_url):
        from sqlalchemy import create_engine

        old = create_engine(database_url)
        metadata.create_all(old)
        with old.begin() as conn:
            conn.execute(events.insert().values(
                position=1, stream_id="concert-old", version=1, type="Happened", data={},
                meta={}, recorded_at="2025-01-01T00:00:00Z"))
        old.dispose()

        store = EventStore(make_engine(database_url))

        assert [e.stream_id for e in store.read_all()] == ["concert-old"]
        store.append_now("concert-old", new(1), 1)
        assert positions(store) == [1, 2]
        store.engine.dispose()


    def test_events_stored_before_schema_versions_are_version_one(self, database_url):
        from alembic import command
        from alembic.config import Config as AlembicConfig
        from sqlalchemy import create_engine

        from bandcrawler.store.engine import _script_location

        old = create_engine(database_url)
        with old.begin() as conn:
            config = AlembicConfig()
            config.set_main_option("script_location", _script_location())
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.exec_driver_sql(
                "INSERT INTO events (position, stream_id, version, type, data, meta, "
                "recorded_at) VALUES (1, 'concert-a', 1, 'ConcertGeocoded', ?, '{}', "
                "'2025-01-01T00:00:00Z')", (json.dumps(GEOCODED_V1),))
        old.dispose()

        store = EventStore(make_engine(database_url))

        with store.engine.connect() as conn:
            assert conn.execute(select(events.c.schema_version)).scalars().all() == [1]
        assert store.read_stream("concert-a")[0].data == GEOCODED_V1 | {"country": None}
        store.engine.dispose()


@requires_postgres
class TestPostgresEventStore(EventStoreContract):
    backend = "PostgreSQL"

    @pytest.fixture
    def database_url(self) -> str:
        with postgres_schema_url() as url:
            yield url

    def test_positions_have_no_sequence_to_leave_gaps(self, engine):
        with engine.connect() as conn:
            default = conn.exec_driver_sql(
                "SELECT column_default FROM information_schema.columns WHERE table_name = "
                "'events' AND column_name = 'position' AND table_schema = current_schema()"
            ).scalar()
        assert default is None


def store_v1_geocoded(store: EventStore) -> None:
    """`concert-a`'s first event, a ConcertGeocoded as schema version 1 wrote it."""
    with store.engine.begin() as conn:
        conn.execute(events.insert().values(
            position=1, stream_id="concert-a", version=1, type="ConcertGeocoded",
            data=GEOCODED_V1, meta={}, recorded_at="2025-01-01T00:00:00Z", schema_version=1))
