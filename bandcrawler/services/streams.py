"""Many streams in one transaction: what the batched use cases read and write at once.

The reads are one query per batch (`read_concerts`, with the `ConcertCache`, lives in the
store's repository, which the write-model projector shares); the writes are one statement
per batch (`EventStore.append_many`, `remember_keys_many`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import concert_stream
from bandcrawler.store.event_store import CHUNK, EventStore
from bandcrawler.store.repository import (
    ConcertCache,
    read_concerts,
    to_new_events,
)
from bandcrawler.store.tables import concert_keys

__all__ = ["ConcertCache", "Decided", "append_decided", "fold_decided",
           "known_concert_ids", "read_concerts"]


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


def append_decided(store: EventStore, conn: Connection, decided: Sequence[Decided]) -> None:
    """Append each concert's decided events at its expected version, in order, in the
    caller's transaction (one statement); raises ConcurrencyError when a stream moved on."""
    store.append_many(conn, [(concert_stream(d.concert.concert_id),
                              to_new_events(d.events, d.meta), d.expected_version)
                             for d in decided])


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
