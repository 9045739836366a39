"""The append-only event store on SQLAlchemy: streams, versions, a global position."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from bandcrawler.faults import kill_point
from bandcrawler.store.tables import events


class ConcurrencyError(Exception):
    """Another writer appended to the stream since it was read; re-read and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int | None = None):
        found = "" if actual is None else f", found version {actual}"
        super().__init__(f"stream {stream_id!r}: expected version {expected}{found}")
        self.stream_id = stream_id


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    position: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    meta: dict[str, Any]
    recorded_at: str


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def lock_for_append(conn: Connection) -> None:
    """Make this transaction the only appender until it ends.

    SQLite needs nothing: every transaction begins IMMEDIATE (see engine.py), so it already
    is the only writer. PostgreSQL takes a table lock that conflicts only with itself and
    with writes, so readers of the log are never blocked.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))


class EventStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def append(self, conn: Connection, stream_id: str, new: Sequence[NewEvent],
               expected_version: int) -> list[StoredEvent]:
        """Append `new` to a stream at `expected_version`, inside the caller's transaction.

        All of them or none: raises ConcurrencyError if the stream moved on. Positions are
        max+1 under the append lock, which the transaction holds until it ends: positions are
        gap-free and no event can commit after another with a higher position.
        """
        lock_for_append(conn)
        actual = self.stream_version(conn, stream_id)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        first = (conn.execute(select(func.max(events.c.position))).scalar() or 0) + 1
        now = utc_now()
        stored = [StoredEvent(position=first + i, stream_id=stream_id,
                              version=expected_version + 1 + i, type=e.type, data=e.data,
                              meta=e.meta, recorded_at=now)
                  for i, e in enumerate(new)]
        try:
            with conn.begin_nested():
                for event in stored:
                    conn.execute(insert(events).values(asdict(event)))
        except IntegrityError as exc:
            raise ConcurrencyError(stream_id, expected_version) from exc
        kill_point("append")  # written, not committed
        return stored

    def append_now(self, stream_id: str, new: Sequence[NewEvent],
                   expected_version: int) -> list[StoredEvent]:
        """Append in a transaction of its own."""
        with self.engine.begin() as conn:
            return self.append(conn, stream_id, new, expected_version)

    @staticmethod
    def stream_version(conn: Connection, stream_id: str) -> int:
        query = select(func.max(events.c.version)).where(events.c.stream_id == stream_id)
        return conn.execute(query).scalar() or 0

    def read_stream(self, stream_id: str, *, up_to_position: int | None = None,
                    conn: Connection | None = None) -> list[StoredEvent]:
        query = select(events).where(events.c.stream_id == stream_id)
        if up_to_position is not None:
            query = query.where(events.c.position <= up_to_position)
        query = query.order_by(events.c.version)
        if conn is not None:
            return [StoredEvent(**row._mapping) for row in conn.execute(query)]
        with self.engine.connect() as own:
            return [StoredEvent(**row._mapping) for row in own.execute(query)]

    def read_all(self, after_position: int = 0, *, batch_size: int = 1000,
                 limit: int | None = None) -> Iterator[StoredEvent]:
        """Every event after `after_position`, in position order, read in batches."""
        seen = 0
        while limit is None or seen < limit:
            size = batch_size if limit is None else min(batch_size, limit - seen)
            query = (select(events).where(events.c.position > after_position)
                     .order_by(events.c.position).limit(size))
            with self.engine.connect() as conn:
                batch = [StoredEvent(**row._mapping) for row in conn.execute(query)]
            yield from batch
            seen += len(batch)
            if len(batch) < size:
                return
            after_position = batch[-1].position

    def last_position(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(events.c.position))).scalar() or 0
