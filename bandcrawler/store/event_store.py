"""The append-only event store on SQLAlchemy: streams, versions, a global position."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, null, select, text, tuple_

from bandcrawler.domain.upcasting import OUTDATED, upcast, written_version
from bandcrawler.faults import kill_point
from bandcrawler.store.engine import fetch_decoded
from bandcrawler.store.errors import ConcurrencyError, KeyTaken
from bandcrawler.store.tables import events
from bandcrawler.store.upsert import insert_many


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


class StoredEvent(NamedTuple):
    """An event as the store holds it, its data in today's schema (upcast when it was stored
    in an older one: `schema_version` is then today's); a named tuple: reads build hundreds
    of thousands."""

    position: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    meta: dict[str, Any] | None  # None when read without it (`with_meta=False`)
    recorded_at: str
    schema_version: int


# StoredEvent's fields, in order: rows of `select(*COLUMNS)` construct it positionally.
COLUMNS = (events.c.position, events.c.stream_id, events.c.version, events.c.type,
           events.c.data, events.c.meta, events.c.recorded_at, events.c.schema_version)
# The same without the metadata, whose JSON a fold would decode for nothing.
WITHOUT_META = tuple(null().label("meta") if c is events.c.meta else c for c in COLUMNS)
CHUNK = 500  # values per IN (...) list: far below every database's limit on parameters
Append = tuple[str, Sequence[NewEvent], int]  # stream id, events, expected version


def payload(event_type: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """A stored event's data as today's code reads it. Every reader of `events.data` passes
    it through here or `to_stored` (the folds of repository.py make the same check inline,
    for speed), so no fold or projection sees an older schema."""
    if (event_type, schema_version) in OUTDATED:
        return upcast(event_type, schema_version, data)
    return data


def to_stored(rows: Iterable[Sequence[Any]]) -> list[StoredEvent]:
    """Rows of `select(*COLUMNS)` as StoredEvents, their data upcast to today's schema. Most
    reads hold no outdated event: one pass in C finds that out, and only a read that does
    goes through the events one by one."""
    stored = list(map(StoredEvent._make, rows))
    if OUTDATED.isdisjoint(map(_TYPE_AND_SCHEMA, stored)):
        return stored
    return [e if (e.type, e.schema_version) not in OUTDATED else e._replace(
                data=upcast(e.type, e.schema_version, e.data),
                schema_version=written_version(e.type))
            for e in stored]


_TYPE_AND_SCHEMA = itemgetter(3, 7)  # (type, schema_version) of a StoredEvent


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def lock_for_append(conn: Connection) -> None:
    """Make this transaction the only appender until it ends.

    SQLite needs nothing: an explicit transaction (`engine.begin()`, where appends belong)
    begins IMMEDIATE (see engine.py), so it already is the only writer. PostgreSQL takes a
    table lock that conflicts only with itself and with writes, so readers of the log are
    never blocked.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))


class EventStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def append(self, conn: Connection, stream_id: str, new: Sequence[NewEvent],
               expected_version: int) -> list[StoredEvent]:
        """Append `new` to a stream at `expected_version`, inside the caller's transaction.

        All of them or none: raises ConcurrencyError if the stream moved on. The one-stream
        case of `append_many`.
        """
        return self.append_many(conn, [(stream_id, new, expected_version)])

    def append_many(self, conn: Connection, appends: Sequence[Append]) -> list[StoredEvent]:
        """Append to several streams at once, inside the caller's transaction.

        `appends` are (stream id, events, expected version); an append may follow another to
        the same stream (its expected version is then the version that one reaches). All of
        them or none: raises ConcurrencyError for the first stream not at its expected
        version. Positions are max+1 under the append lock, which the transaction holds
        until it ends: positions are gap-free and no event can commit after another with a
        higher position. One query for the versions, one for the last position, one
        executemany INSERT.
        """
        if not appends:
            return []
        lock_for_append(conn)
        versions = stream_versions(conn, [stream_id for stream_id, _, _ in appends])
        position = conn.execute(select(func.max(events.c.position))).scalar() or 0
        now = utc_now()
        stored: list[StoredEvent] = []
        for stream_id, new, expected in appends:
            actual = versions.get(stream_id, 0)
            if actual != expected:
                raise ConcurrencyError(stream_id, expected, actual)
            for version, event in enumerate(new, start=expected + 1):
                position += 1
                stored.append(StoredEvent(position, stream_id, version, event.type, event.data,
                                          event.meta, now, written_version(event.type)))
            versions[stream_id] = expected + len(new)
        if stored:
            try:
                with conn.begin_nested():  # a failed insert leaves the caller's work intact
                    insert_many(conn, events, [e._asdict() for e in stored])
            except KeyTaken as exc:  # a version or position another writer took meanwhile
                raise ConcurrencyError(appends[0][0], appends[0][2]) from exc
        for _ in appends:  # one pass per append, as the fault suite counts them
            kill_point("append")  # written, not committed
        return stored

    def append_now(self, stream_id: str, new: Sequence[NewEvent],
                   expected_version: int) -> list[StoredEvent]:
        """Append in a transaction of its own."""
        with self.engine.begin() as conn:
            return self.append(conn, stream_id, new, expected_version)

    @staticmethod
    def stream_version(conn: Connection, stream_id: str) -> int:
        return stream_versions(conn, [stream_id]).get(stream_id, 0)

    def read_stream(self, stream_id: str, *, up_to_position: int | None = None,
                    conn: Connection | None = None) -> list[StoredEvent]:
        query = select(*COLUMNS).where(events.c.stream_id == stream_id)
        if up_to_position is not None:
            query = query.where(events.c.position <= up_to_position)
        query = query.order_by(events.c.version)
        if conn is not None:
            return to_stored(fetch_decoded(conn, query))
        with self.engine.connect() as own:
            return to_stored(fetch_decoded(own, query))

    def read_streams(self, conn: Connection, stream_ids: Iterable[str], *,
                     up_to_position: int | None = None, with_meta: bool = True
                     ) -> list[StoredEvent]:
        """The events of these streams (those up to `up_to_position`, if given), by stream
        and version: one query per CHUNK streams, taken in order so that each query's
        streams follow the last one's."""
        wanted = sorted(set(stream_ids))
        found: list[StoredEvent] = []
        for start in range(0, len(wanted), CHUNK):
            query = select(*(COLUMNS if with_meta else WITHOUT_META)).where(
                events.c.stream_id.in_(wanted[start:start + CHUNK]))
            if up_to_position is not None:
                query = query.where(events.c.position <= up_to_position)
            query = query.order_by(events.c.stream_id, events.c.version)
            found.extend(to_stored(fetch_decoded(conn, query)))
        return found

    def read_category(self, category: str, *, up_to_position: int | None = None,
                      with_meta: bool = True, batch_size: int = 5000,
                      conn: Connection | None = None) -> Iterator[StoredEvent]:
        """Every event of the streams named `<category>-…` (those up to `up_to_position`),
        by stream and version: each stream's events follow one another, so a reader can
        fold one stream at a time. Read in pages of `batch_size` along the (stream,
        version) key, on `conn` or else a connection per page, so that a long scan holds
        no read transaction open while its reader works."""
        # The category's streams as an index range: "concert-" up to "concert." ('-' + 1).
        where = [events.c.stream_id >= f"{category}-", events.c.stream_id < f"{category}."]
        if up_to_position is not None:
            where.append(events.c.position <= up_to_position)
        after: tuple[str, int] | None = None
        while True:
            query = select(*(COLUMNS if with_meta else WITHOUT_META)).where(*where)
            if after is not None:
                query = query.where(tuple_(events.c.stream_id, events.c.version) > after)
            query = query.order_by(events.c.stream_id, events.c.version).limit(batch_size)
            if conn is not None:
                page = to_stored(fetch_decoded(conn, query))
            else:
                with self.engine.connect() as own:
                    page = to_stored(fetch_decoded(own, query))
            yield from page
            if len(page) < batch_size:
                return
            after = (page[-1].stream_id, page[-1].version)

    def stream_ids(self, conn: Connection, category: str, *,
                   up_to_position: int | None = None) -> set[str]:
        """The streams named `<category>-…` that have events (up to `up_to_position`)."""
        query = select(events.c.stream_id).distinct().where(
            events.c.stream_id >= f"{category}-", events.c.stream_id < f"{category}.")
        if up_to_position is not None:
            query = query.where(events.c.position <= up_to_position)
        return set(conn.execute(query).scalars())

    def read_all(self, after_position: int = 0, *, batch_size: int = 1000,
                 limit: int | None = None) -> Iterator[StoredEvent]:
        """Every event after `after_position`, in position order, read in batches on one
        connection (a read: on SQLite it takes no lock, writers go on meanwhile)."""
        seen = 0
        with self.engine.connect() as conn:
            while limit is None or seen < limit:
                size = batch_size if limit is None else min(batch_size, limit - seen)
                query = (select(*COLUMNS).where(events.c.position > after_position)
                         .order_by(events.c.position).limit(size))
                batch = to_stored(fetch_decoded(conn, query))
                yield from batch
                seen += len(batch)
                if len(batch) < size:
                    return
                after_position = batch[-1].position

    def last_position(self, conn: Connection | None = None) -> int:
        """The position of the log's last event (0 when it is empty)."""
        query = select(func.max(events.c.position))
        if conn is not None:
            return conn.execute(query).scalar() or 0
        with self.engine.connect() as own:
            return own.execute(query).scalar() or 0


def stream_versions(conn: Connection, stream_ids: Iterable[str], *,
                    up_to_position: int | None = None) -> dict[str, int]:
    """The version of each stream that has events (at `up_to_position`, if given)."""
    wanted = list(dict.fromkeys(stream_ids))
    versions: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        query = (select(events.c.stream_id, func.max(events.c.version))
                 .where(events.c.stream_id.in_(wanted[start:start + CHUNK]))
                 .group_by(events.c.stream_id))
        if up_to_position is not None:
            query = query.where(events.c.position <= up_to_position)
        versions.update(conn.execute(query).all())
    return versions
