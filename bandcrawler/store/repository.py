"""Loading aggregates from their streams, the identity index of concerts, the concert cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select, tuple_

from bandcrawler.domain.band import Band
from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent, event_from
from bandcrawler.domain.identity import band_stream, concert_stream
from bandcrawler.domain.upcasting import OUTDATED, upcast
from bandcrawler.store.engine import fetch_decoded
from bandcrawler.store.event_store import (
    CHUNK,
    EventStore,
    NewEvent,
    StoredEvent,
    stream_versions,
)
from bandcrawler.store.tables import concert_keys, events
from bandcrawler.store.upsert import insert_or_ignore_many

# What folding an event needs (not its metadata, whose JSON would be decoded for nothing).
FOLDED = (events.c.stream_id, events.c.version, events.c.type, events.c.data,
          events.c.schema_version)


def to_new_events(decided: Sequence[DomainEvent], meta: dict[str, Any]) -> list[NewEvent]:
    return [NewEvent(e.type, e.to_data(), meta) for e in decided]


def fold_concert(concert: Concert, stored: Iterable[StoredEvent]) -> Concert:
    for event in stored:
        concert.apply(event_from(event.type, event.data), event.version)
    return concert


def load_concert(store: EventStore, conn: Connection, concert_id: str,
                 up_to_position: int | None = None) -> Concert:
    stored = store.read_stream(concert_stream(concert_id), conn=conn,
                               up_to_position=up_to_position)
    return fold_concert(Concert(concert_id), stored)


def load_band(store: EventStore, conn: Connection, band_id: str) -> Band:
    band = Band(band_id)
    for event in store.read_stream(band_stream(band_id), conn=conn):
        band.apply(event_from(event.type, event.data), event.version)
    return band


def find_concert_id(conn: Connection, keys: Sequence[str]) -> str | None:
    """The concert known under the first of `keys` that is known at all."""
    rows = dict(conn.execute(select(concert_keys.c.key, concert_keys.c.concert_id)
                             .where(concert_keys.c.key.in_(keys))).all())
    return next((rows[k] for k in keys if k in rows), None)


def remember_keys(conn: Connection, concert_id: str, keys: Iterable[str]) -> None:
    """Map keys not yet known to the concert; a key already mapped keeps its concert."""
    remember_keys_many(conn, dict.fromkeys(keys, concert_id))


def remember_keys_many(conn: Connection, mapping: dict[str, str]) -> None:
    """Map each key to its concert (one statement); a key already mapped keeps its concert."""
    insert_or_ignore_many(conn, concert_keys, [{"key": key, "concert_id": concert_id}
                                               for key, concert_id in mapping.items()])


class ConcertCache:
    """The latest state of recently used concerts, so that the steps of a crawl do not fold
    the same streams again and again. Bounded (least recently used go first), and checked
    against each stream's version before use: it never serves a stale state. Only committed
    states may be put in it.

    A state in the cache is never changed: `put` stores a copy (or, with `owned`, the state
    itself, which its caller hands over and no longer changes), and `get` hands out a copy
    that callers may apply events to (or, with `copy=False`, the cached state itself, for
    callers that only read it)."""

    def __init__(self, size: int = 2000):
        self.size = size
        self._states: OrderedDict[str, Concert] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, concert_id: str, version: int, *, copy: bool = True) -> Concert | None:
        with self._lock:
            state = self._states.get(concert_id)
            if state is None or state.version != version:
                return None
            self._states.move_to_end(concert_id)
        return state.copy() if copy else state

    def put(self, concerts: Iterable[Concert], *, owned: bool = False) -> None:
        with self._lock:
            for concert in concerts:
                if concert.version == 0:  # not recorded: nothing to save a fold of
                    continue
                self._states[concert.concert_id] = concert if owned else concert.copy()
                self._states.move_to_end(concert.concert_id)
            while len(self._states) > self.size:
                self._states.popitem(last=False)


def read_concerts(conn: Connection, concert_ids: Iterable[str],
                  cache: ConcertCache | None = None, *, up_to_position: int | None = None,
                  versions: dict[str, int] | None = None, read_only: bool = False
                  ) -> dict[str, Concert]:
    """The state of each concert (an unknown one is new, at version 0): the current one, or
    the one at `up_to_position`. From `cache` where it holds that version; the states read
    are put in it only when current.

    `versions` (stream id -> version, at `up_to_position` if given), when the caller knows
    them already, saves the query that checks the cache's states. `read_only` callers
    promise not to change the states they get: those may be the cache's own (no copies).
    """
    wanted = list(dict.fromkeys(concert_ids))
    found: dict[str, Concert] = {}
    if cache is not None:
        if versions is None:
            versions = stream_versions(conn, [concert_stream(c) for c in wanted],
                                       up_to_position=up_to_position)
        for concert_id in wanted:
            state = cache.get(concert_id, versions.get(concert_stream(concert_id), 0),
                              copy=not read_only)
            if state is not None:
                found[concert_id] = state
    missing = [c for c in wanted if c not in found]
    read = {concert_id: Concert(concert_id) for concert_id in missing}
    streams = [concert_stream(c) for c in missing]
    for start in range(0, len(streams), CHUNK):
        query = select(*FOLDED).where(events.c.stream_id.in_(streams[start:start + CHUNK]))
        if up_to_position is not None:
            query = query.where(events.c.position <= up_to_position)
        query = query.order_by(events.c.stream_id, events.c.version)
        for stream_id, version, kind, data, schema in fetch_decoded(conn, query):
            if (kind, schema) in OUTDATED:  # event_store.payload, inline: a hot loop
                data = upcast(kind, schema, data)
            read[stream_id.removeprefix("concert-")].apply(event_from(kind, data), version)
    if cache is not None and up_to_position is None:
        cache.put(read.values(), owned=read_only)
    found.update(read)
    return {concert_id: found[concert_id] for concert_id in wanted}


def every_concert(engine: Engine, batch_size: int = 5000, *,
                  up_to_position: int | None = None) -> Iterator[Concert]:
    """The current state of every concert (or its state at `up_to_position`), one after
    another: the events are read in stream order (the (stream, version) index), so each
    concert is complete as soon as the next one starts and only one is held at a time."""
    # The concert streams, as an index range: "concert-" up to "concert." ('-' + 1 = '.').
    where = [events.c.stream_id >= "concert-", events.c.stream_id < "concert."]
    if up_to_position is not None:
        where.append(events.c.position <= up_to_position)
    after: tuple[str, int] | None = None
    concert: Concert | None = None
    while True:
        query = select(*FOLDED).where(*where)
        if after is not None:
            query = query.where(tuple_(events.c.stream_id, events.c.version) > after)
        query = query.order_by(events.c.stream_id, events.c.version).limit(batch_size)
        with engine.connect() as conn:
            rows = fetch_decoded(conn, query)
        for stream_id, version, kind, data, schema in rows:
            if concert is None or stream_id != concert_stream(concert.concert_id):
                if concert is not None:
                    yield concert
                concert = Concert(stream_id.removeprefix("concert-"))
            if (kind, schema) in OUTDATED:  # event_store.payload, inline: a hot loop
                data = upcast(kind, schema, data)
            concert.apply(event_from(kind, data), version)
        if len(rows) < batch_size:
            break
        after = rows[-1][:2]  # (stream id, version)
    if concert is not None:
        yield concert
