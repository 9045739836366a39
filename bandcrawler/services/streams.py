"""Decisions on many concerts in one transaction: what the batched use cases write at once
(one statement per batch: `EventStore.append_many`; the reads are the repository's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import concert_stream
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import to_new_events


@dataclass
class Decided:
    """Events decided for a concert at `expected_version`, not yet appended."""

    concert: Concert
    events: list[DomainEvent]
    meta: dict
    expected_version: int


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
