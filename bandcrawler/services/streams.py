"""Many streams in one transaction: what the batched use cases read and write at once.

The reads are one query per batch. The writes go through the store's per-stream API
(`EventStore.append`, `remember_keys`) until it has batch forms of them (BENCHMARKS.md,
"Proposed store changes", measured by `benchmarks/proposed_store.py`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import concert_stream
from bandcrawler.store.event_store import EventStore, StoredEvent
from bandcrawler.store.repository import fold_concert, remember_keys, to_new_events
from bandcrawler.store.tables import concert_keys, events

CHUNK = 500  # values per IN (...) list: far below every database's limit on parameters
# The columns of a StoredEvent, in its order.
_STORED = [events.c[name] for name in StoredEvent.__dataclass_fields__]


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

    def __init__(self, size: int = 5000):
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
    streams: dict[str, list[StoredEvent]] = {concert_stream(c): [] for c in missing}
    for part in _chunks(list(streams)):
        query = (select(*_STORED).where(events.c.stream_id.in_(part))
                 .order_by(events.c.stream_id, events.c.version))
        for row in conn.execute(query):
            streams[row.stream_id].append(StoredEvent(*row))
    read = [fold_concert(Concert(c), streams[concert_stream(c)]) for c in missing]
    if cache is not None:
        cache.put(read)
    found.update((concert.concert_id, concert) for concert in read)
    return {concert_id: found[concert_id] for concert_id in wanted}


def _stream_versions(conn: Connection, stream_ids: list[str]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for part in _chunks(stream_ids):
        versions.update(conn.execute(
            select(events.c.stream_id, func.max(events.c.version))
            .where(events.c.stream_id.in_(part)).group_by(events.c.stream_id)).all())
    return versions


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
