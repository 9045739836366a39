"""Many streams in one transaction: what the batched use cases read and write at once.

The reads are one query per batch. The writes go through the store's per-stream API
(`EventStore.append`, `remember_keys`) until it has batch forms of them (BENCHMARKS.md,
"Proposed store changes", measured by `benchmarks/proposed_store.py`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select, tuple_

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent, event_from
from bandcrawler.domain.identity import concert_stream
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import remember_keys, to_new_events
from bandcrawler.store.tables import concert_keys, events

CHUNK = 500  # values per IN (...) list: far below every database's limit on parameters
# What folding an event needs (not its metadata, whose JSON would be decoded for nothing).
_FOLDED = (events.c.stream_id, events.c.version, events.c.type, events.c.data)


@dataclass
class Decided:
    """Events decided for a concert at `expected_version`, not yet appended."""

    concert: Concert
    events: list[DomainEvent]
    meta: dict
    expected_version: int


def known_concert_ids(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    """Identity key -> concert id, for the keys that are mapped."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, str] = {}
    for part in _chunks(wanted):
        query = select(concert_keys.c.key, concert_keys.c.concert_id).where(
            concert_keys.c.key.in_(part))
        found.update(conn.execute(query).all())
    return found


def remember_new_keys(conn: Connection, mapping: dict[str, str]) -> None:
    """Map these keys (none of which is mapped yet) to their concerts."""
    by_concert: dict[str, list[str]] = {}
    for key, concert_id in mapping.items():
        by_concert.setdefault(concert_id, []).append(key)
    for concert_id, keys in by_concert.items():
        remember_keys(conn, concert_id, keys)


class ConcertCache:
    """The latest state of recently used concerts, so that the steps of a crawl do not fold
    the same streams again and again. Bounded (least recently used go first), and checked
    against each stream's version before use: it never serves a stale state. Hands out
    and keeps copies, so callers may apply events to what they get."""

    def __init__(self, size: int = 2000):
        self.size = size
        self._states: OrderedDict[str, Concert] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, concert_id: str, version: int) -> Concert | None:
        with self._lock:
            state = self._states.get(concert_id)
            if state is None or state.version != version:
                return None
            self._states.move_to_end(concert_id)
        return state.copy()

    def put(self, concerts: Iterable[Concert]) -> None:
        with self._lock:
            for concert in concerts:
                self._states[concert.concert_id] = concert.copy()
                self._states.move_to_end(concert.concert_id)
            while len(self._states) > self.size:
                self._states.popitem(last=False)


def read_concerts(conn: Connection, concert_ids: Iterable[str],
                  cache: ConcertCache | None = None) -> dict[str, Concert]:
    """The current state of each concert (an unknown one is new, at version 0)."""
    wanted = list(dict.fromkeys(concert_ids))
    found: dict[str, Concert] = {}
    if cache is not None:
        versions = _stream_versions(conn, [concert_stream(c) for c in wanted])
        for concert_id in wanted:
            state = cache.get(concert_id, versions.get(concert_stream(concert_id), 0))
            if state is not None:
                found[concert_id] = state
    missing = [c for c in wanted if c not in found]
    read = {concert_id: Concert(concert_id) for concert_id in missing}
    for part in _chunks([concert_stream(c) for c in missing]):
        query = (select(*_FOLDED).where(events.c.stream_id.in_(part))
                 .order_by(events.c.stream_id, events.c.version))
        for stream_id, version, kind, data in conn.execute(query):
            read[stream_id.removeprefix("concert-")].apply(event_from(kind, data), version)
    if cache is not None:
        cache.put(read.values())
    found.update(read)
    return {concert_id: found[concert_id] for concert_id in wanted}


def _stream_versions(conn: Connection, stream_ids: list[str]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for part in _chunks(stream_ids):
        versions.update(conn.execute(
            select(events.c.stream_id, func.max(events.c.version))
            .where(events.c.stream_id.in_(part)).group_by(events.c.stream_id)).all())
    return versions


def every_concert(engine: Engine, batch_size: int = 5000) -> Iterator[Concert]:
    """The current state of every concert, one after another: the events are read in stream
    order (the (stream, version) index), so each concert is complete as soon as the next
    one starts and only one is held at a time."""
    # The concert streams, as an index range: "concert-" up to "concert." ('-' + 1 = '.').
    where = [events.c.stream_id >= "concert-", events.c.stream_id < "concert."]
    after: tuple[str, int] | None = None
    concert: Concert | None = None
    while True:
        query = select(*_FOLDED).where(*where)
        if after is not None:
            query = query.where(tuple_(events.c.stream_id, events.c.version) > after)
        query = query.order_by(events.c.stream_id, events.c.version).limit(batch_size)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        for stream_id, version, kind, data in rows:
            if concert is None or stream_id != concert_stream(concert.concert_id):
                if concert is not None:
                    yield concert
                concert = Concert(stream_id.removeprefix("concert-"))
            concert.apply(event_from(kind, data), version)
        if len(rows) < batch_size:
            break
        after = (rows[-1].stream_id, rows[-1].version)
    if concert is not None:
        yield concert


def append_decided(store: EventStore, conn: Connection, decided: Sequence[Decided]) -> None:
    """Append each concert's decided events at its expected version, in order, in the
    caller's transaction; raises ConcurrencyError when a stream moved on."""
    for d in decided:
        store.append(conn, concert_stream(d.concert.concert_id), to_new_events(d.events, d.meta),
                     d.expected_version)


def fold_decided(concert: Concert, decided: Sequence[DomainEvent]) -> int:
    """Apply decided events to `concert` as the versions they will be appended at; returns
    the version they were decided at."""
    expected = concert.version
    for number, event in enumerate(decided, start=1):
        concert.apply(event, expected + number)
    return expected


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]
