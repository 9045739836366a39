"""The append-only event store on SQLAlchemy: streams, versions, a global position."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

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


class EventStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def append(self, conn: Connection, stream_id: str, new: Sequence[NewEvent],
               expected_version: int) -> list[StoredEvent]:
        """Append `new` to a stream at `expected_version`, inside the caller's transaction.

        All of them or none: raises ConcurrencyError if the stream moved on.
        """
        actual = self.stream_version(conn, stream_id)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        now = utc_now()
        rows: list[dict[str, Any]] = [
            {"stream_id": stream_id, "version": expected_version + i, "type": e.type,
             "data": e.data, "meta": e.meta, "recorded_at": now}
            for i, e in enumerate(new, start=1)
        ]
        stored = []
        try:
            with conn.begin_nested():
                for row, event in zip(rows, new, strict=True):
                    position = conn.execute(
                        insert(events).values(row).returning(events.c.position)).scalar_one()
                    stored.append(StoredEvent(
                        position=position, stream_id=stream_id,
                        version=row["version"], type=event.type, data=event.data,
                        meta=event.meta, recorded_at=now))
        except IntegrityError as exc:
            raise ConcurrencyError(stream_id, expected_version) from exc
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
