"""Loading aggregates from their streams, and the identity index of concerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from bandcrawler.domain.band import Band
from bandcrawler.domain.concert import Concert
from bandcrawler.domain.events import DomainEvent, event_from
from bandcrawler.domain.identity import band_stream, concert_stream
from bandcrawler.store.event_store import EventStore, NewEvent, StoredEvent
from bandcrawler.store.tables import concert_keys
from bandcrawler.store.upsert import insert_or_ignore


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
    for key in keys:
        insert_or_ignore(conn, concert_keys, {"key": key, "concert_id": concert_id})
