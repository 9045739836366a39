"""Aggregates loaded from their streams: concerts (through a repository with an identity map
of recent states), bands, and the identity index of concerts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select

from bandcrawler.domain.band import Band
from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent, event_from
from bandcrawler.domain.identity import band_stream, concert_stream
from bandcrawler.store.event_store import (
    CHUNK,
    EventStore,
    NewEvent,
    StoredEvent,
    stream_versions,
)
from bandcrawler.store.tables import concert_keys
from bandcrawler.store.upsert import insert_or_ignore_many


def to_new_events(decided: Sequence[DomainEvent], meta: dict[str, Any]) -> list[NewEvent]:
    return [NewEvent(e.type, e.to_data(), meta) for e in decided]


def load_band(store: EventStore, conn: Connection, band_id: str) -> Band:
    band = Band(band_id)
    for event in store.read_stream(band_stream(band_id), conn=conn):
        band.apply(event_from(event.type, event.data), event.version)
    return band


def known_concert_ids(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    """Identity key -> concert id, for the keys that are mapped (one query per CHUNK keys)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(concert_keys.c.key, concert_keys.c.concert_id).where(
            concert_keys.c.key.in_(wanted[start:start + CHUNK]))
        found.update(conn.execute(query).all())
    return found


def remember_keys_many(conn: Connection, mapping: dict[str, str]) -> None:
    """Map each key to its concert (one statement); a key already mapped keeps its concert."""
    insert_or_ignore_many(conn, concert_keys, [{"key": key, "concert_id": concert_id}
                                               for key, concert_id in mapping.items()])


class ConcertRepository:
    """Concerts, each the fold of its stream, with an identity map of the states recently
    read or written (a ConcertCache), so that the steps of a crawl and the projections that
    follow them do not fold the same streams again and again. Shared by every user of
    concerts in a process (the application builds one); safe across threads.

    States handed out may be the map's own only to callers that promise to read them
    (`read_only`); the others get copies to apply decisions to."""

    def __init__(self, store: EventStore, identity_map: ConcertCache | None = None):
        self.store = store
        self.identity_map = identity_map if identity_map is not None else ConcertCache()

    def get(self, conn: Connection, concert_id: str) -> Concert:
        """The current state of one concert (an unknown one is new, at version 0)."""
        return self.get_many(conn, [concert_id])[concert_id]

    def get_many(self, conn: Connection, concert_ids: Iterable[str], *,
                 up_to_position: int | None = None, versions: dict[str, int] | None = None,
                 read_only: bool = False) -> dict[str, Concert]:
        """The state of each concert: the current one, or the one at `up_to_position`. From
        the identity map where it holds that version; the states folded are put in it only
        when current.

        `versions` (stream id -> version, at `up_to_position` if given), when the caller knows
        them already, saves the query that checks the map's states."""
        wanted = list(dict.fromkeys(concert_ids))
        found: dict[str, Concert] = {}
        if self.identity_map:
            if versions is None:
                versions = stream_versions(conn, [concert_stream(c) for c in wanted],
                                           up_to_position=up_to_position)
            for concert_id in wanted:
                state = self.identity_map.get(
                    concert_id, versions.get(concert_stream(concert_id), 0),
                    copy=not read_only)
                if state is not None:
                    found[concert_id] = state
        missing = [c for c in wanted if c not in found]
        read = {concert_id: Concert(concert_id) for concert_id in missing}  # unknown: new
        read.update((c.concert_id, c) for c in fold_concerts(self.store.read_streams(
            conn, [concert_stream(c) for c in missing], up_to_position=up_to_position,
            with_meta=False)))
        if up_to_position is None:
            self.identity_map.put(read.values(), owned=read_only)
        found.update(read)
        return {concert_id: found[concert_id] for concert_id in wanted}

    def current(self, concert_ids: Sequence[str]) -> list[Concert]:
        """The current state of each concert, in order, read at once on a connection of
        its own."""
        with self.store.engine.connect() as conn:
            states = self.get_many(conn, concert_ids)
        return [states[concert_id] for concert_id in concert_ids]

    def saved(self, concerts: Iterable[Concert]) -> None:
        """These states were just committed: keep them. Handed over: their callers read
        them from now on, and no longer change them."""
        self.identity_map.put(concerts, owned=True)

    def every(self, *, up_to_position: int | None = None,
              batch_size: int = 5000) -> Iterator[Concert]:
        """The current state of every concert (or its state at `up_to_position`), one after
        another, without the identity map: the log is read in stream order, so each concert
        is complete as soon as the next one starts and only one is held at a time."""
        yield from fold_concerts(self.store.read_category(
            "concert", up_to_position=up_to_position, with_meta=False, batch_size=batch_size))


def fold_concerts(stored: Iterable[StoredEvent]) -> Iterator[Concert]:
    """The one fold of events into concerts: `stored` holds concert streams one after
    another, each in version order (as `read_streams` and `read_category` give them); each
    concert is handed on as soon as its stream ends, so only one is held at a time."""
    concert: Concert | None = None
    stream = ""
    for event in stored:
        if concert is None or event.stream_id != stream:
            if concert is not None:
                yield concert
            stream = event.stream_id
            concert = Concert(stream.removeprefix("concert-"))
        concert.apply(event_from(event.type, event.data), event.version)
    if concert is not None:
        yield concert


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

    def __len__(self) -> int:
        return len(self._states)

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
