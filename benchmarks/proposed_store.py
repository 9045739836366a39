"""Prototype of the store changes that BENCHMARKS.md proposes, so they can be measured.

`install()` puts them in place in this process (the crawl benchmarks take
`--proposed-store`, which adds `ProposedStore` to the crawl's extensions and so installs
them in the crawl process too). Each function is what the store would gain:

- `EventStore.append_many(conn, appends)`: the appends of many streams in one INSERT
  (executemany), after one query for their versions and one for the last position: the
  same all-or-none and optimistic checks as `append`, without `dataclasses.asdict`'s deep copy;
- `remember_keys_many(conn, mapping)` and `upsert_many(conn, table, rows, keys)`: one
  executemany of INSERT ... ON CONFLICT for many rows;
- `WriteModelProjector._apply`: the touched streams read in one query, their rows written
  with one `upsert_many`; given the pipeline's `ConcertCache` (to move into the store's
  repository), a batch that reaches the end of the store folds nothing the pipeline already
  folded.

The services call these through `bandcrawler.services.streams` (`append_decided`,
`remember_new_keys`): once the store has them, those two bodies become one call each, as
below.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

import bandcrawler.services.concerts
import bandcrawler.services.streams
from bandcrawler.domain.concert import Concert
from bandcrawler.domain.identity import concert_stream
from bandcrawler.services.streams import Decided, _chunks, read_concerts
from bandcrawler.store.event_store import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    StoredEvent,
    lock_for_append,
    utc_now,
)
from bandcrawler.store.repository import fold_concert, to_new_events
from bandcrawler.store.tables import band_sources, bands, concert_keys, concerts, events
from bandcrawler.store.upsert import _insert, insert_or_ignore
from bandcrawler.store.write_model import WriteModelProjector, concert_row

Append = tuple[str, Sequence[NewEvent], int]  # stream id, events, expected version


def append_many(self: EventStore, conn: Connection, appends: Sequence[Append]
                ) -> list[StoredEvent]:
    """Append to several streams at once, in the caller's transaction; all or none.

    An append may follow another to the same stream in the list (its expected version is
    then the version that one reaches). Raises ConcurrencyError for the first stream that
    is not at its expected version.
    """
    if not appends:
        return []
    lock_for_append(conn)
    versions = _versions(conn, appends)
    position = conn.execute(select(func.max(events.c.position))).scalar() or 0
    now = utc_now()
    stored: list[StoredEvent] = []
    for stream_id, new, expected in appends:
        actual = versions.get(stream_id, 0)
        if actual != expected:
            raise ConcurrencyError(stream_id, expected, actual)
        for number, event in enumerate(new, start=1):
            position += 1
            stored.append(StoredEvent(position, stream_id, expected + number, event.type,
                                      event.data, event.meta, now))
        versions[stream_id] = expected + len(new)
    rows = [{"position": e.position, "stream_id": e.stream_id, "version": e.version,
             "type": e.type, "data": e.data, "meta": e.meta, "recorded_at": now}
            for e in stored]
    try:
        with conn.begin_nested():
            conn.execute(insert(events), rows)
    except IntegrityError as exc:
        raise ConcurrencyError(appends[0][0], appends[0][2]) from exc
    return stored


def append_many_driver(self: EventStore, conn: Connection, appends: Sequence[Append]
                       ) -> list[StoredEvent]:
    """`append_many` with the INSERT handed to the driver's executemany, the JSON encoded
    here: what is left of SQLAlchemy's per-row cost. (SQLite as measured; on PostgreSQL the
    JSON parameters need a cast, or COPY.)"""
    if not appends:
        return []
    lock_for_append(conn)
    versions = _versions(conn, appends)
    position = conn.execute(select(func.max(events.c.position))).scalar() or 0
    now = utc_now()
    stored: list[StoredEvent] = []
    for stream_id, new, expected in appends:
        actual = versions.get(stream_id, 0)
        if actual != expected:
            raise ConcurrencyError(stream_id, expected, actual)
        for number, event in enumerate(new, start=1):
            position += 1
            stored.append(StoredEvent(position, stream_id, expected + number, event.type,
                                      event.data, event.meta, now))
        versions[stream_id] = expected + len(new)
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = ("INSERT INTO events (position, stream_id, version, type, data, meta, recorded_at) "
           f"VALUES ({', '.join([marker] * 7)})")
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(sql, [(e.position, e.stream_id, e.version, e.type,
                                        json.dumps(e.data), json.dumps(e.meta), now)
                                       for e in stored])
    except IntegrityError as exc:
        raise ConcurrencyError(appends[0][0], appends[0][2]) from exc
    return stored


def _versions(conn: Connection, appends: Sequence[Append]) -> dict[str, int]:
    wanted = list(dict.fromkeys(stream_id for stream_id, _, _ in appends))
    versions: dict[str, int] = {}
    for part in _chunks(wanted):
        versions.update(conn.execute(
            select(events.c.stream_id, func.max(events.c.version))
            .where(events.c.stream_id.in_(part)).group_by(events.c.stream_id)).all())
    return versions


def remember_keys_many(conn: Connection, mapping: dict[str, str]) -> None:
    """Map keys to concerts; a key already mapped keeps its concert."""
    if mapping:
        conn.execute(_insert(conn, concert_keys).on_conflict_do_nothing(),
                     [{"key": key, "concert_id": cid} for key, cid in mapping.items()])


def upsert_many(conn: Connection, table: Table, rows: list[dict[str, Any]],
                keys: Sequence[str]) -> None:
    """Insert rows, or update those whose `keys` exist; one statement, executemany."""
    if not rows:
        return
    statement = _insert(conn, table)
    changes = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes),
                 rows)


def write_model_apply(self: WriteModelProjector, conn: Connection,
                      batch: list[StoredEvent]) -> None:
    touched: dict[str, None] = {}
    for event in batch:
        if event.type == "BandRegistered":
            insert_or_ignore(conn, bands, {"band_id": event.data["band_id"],
                                           "name": event.data["name"],
                                           "registered_at": event.data["at"]})
        elif event.type == "BandSourceAdded":
            insert_or_ignore(conn, band_sources, {k: event.data[k]
                                                  for k in ("band_id", "kind", "value")})
        elif event.stream_id.startswith("concert-"):
            touched[event.stream_id] = None
    last = batch[-1].position
    cache = getattr(self, "cache", None)
    if cache is not None and len(batch) < self.batch_size:
        # The batch ran to the end of the store (and this transaction is the only writer):
        # each touched stream's state at `last` is its current one, which the cache has.
        states = list(read_concerts(conn, [s.removeprefix("concert-") for s in touched],
                                    cache).values())
    else:
        streams: dict[str, list[StoredEvent]] = {stream_id: [] for stream_id in touched}
        for part in _chunks(list(touched)):
            query = (select(events).where(events.c.stream_id.in_(part),
                                          events.c.position <= last)
                     .order_by(events.c.stream_id, events.c.version))
            for row in conn.execute(query):
                streams[row.stream_id].append(StoredEvent(**row._mapping))
        states = [fold_concert(Concert(stream_id.removeprefix("concert-")), stored)
                  for stream_id, stored in streams.items()]
    upsert_many(conn, concerts, [concert_row(state) for state in states], ["concert_id"])


# -- the two service bodies, once the store has the above -------------------------------------

def append_decided(store: EventStore, conn: Connection, decided: Sequence[Decided]) -> None:
    store.append_many(conn, [(concert_stream(d.concert.concert_id),  # type: ignore[attr-defined]
                              to_new_events(d.events, d.meta), d.expected_version)
                             for d in decided])


def install() -> None:
    EventStore.append_many = append_many  # type: ignore[attr-defined]
    WriteModelProjector._apply = write_model_apply  # type: ignore[method-assign]
    for module in (bandcrawler.services.streams, bandcrawler.services.concerts):
        module.append_decided = append_decided  # type: ignore[attr-defined]
        module.remember_new_keys = remember_keys_many  # type: ignore[attr-defined]


class ProposedStore:
    """A Scrapy extension that installs the prototype in the crawl process, and hands the
    write-model projector the crawl's concert cache (the proposed projector takes one)."""

    @classmethod
    def from_crawler(cls, crawler):
        from bandcrawler.pipelines.context import CrawlContext

        install()
        context = CrawlContext.of(crawler)
        context.app.write_model.cache = context.concerts
        return cls()
