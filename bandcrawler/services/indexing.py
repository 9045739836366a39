"""Use cases on the read model that need the store: what to index next."""

from __future__ import annotations

from bandcrawler.domain.concert import Concert
from bandcrawler.saga import SagaStore
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import load_concert


def concert_for_index(store: EventStore, saga: SagaStore, concert_id: str) -> Concert | None:
    """The concert's current state, or None when this version is already indexed."""
    with store.engine.connect() as conn:
        concert = load_concert(store, conn, concert_id)
    state = saga.get(concert_id)
    if state is not None and state.indexed_version >= concert.version:
        return None
    return concert
