"""Use cases on the read model that need the store: what to index next."""

from __future__ import annotations

from collections.abc import Sequence

from bandcrawler.domain.concert import Concert
from bandcrawler.services.streams import ConcertCache, read_concerts
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.saga import SagaStore


def concert_for_index(store: EventStore, saga: SagaStore, concert_id: str) -> Concert | None:
    """The concert's current state, or None when this version is already indexed."""
    return concerts_for_index(store, saga, [concert_id])[0]


def concerts_for_index(store: EventStore, saga: SagaStore, concert_ids: Sequence[str],
                       cache: ConcertCache | None = None) -> list[Concert | None]:
    """`concert_for_index` for each id, read at once. The states are only read (documents
    are built from them), so they may be the cache's own."""
    indexed = saga.indexed_versions(concert_ids)
    with store.engine.connect() as conn:
        concerts = read_concerts(conn, concert_ids, cache, read_only=True)
    return [None if concert_id in indexed and indexed[concert_id] >= concerts[concert_id].version
            else concerts[concert_id] for concert_id in concert_ids]
