"""The one projection runner: every follower of the event log catches up the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bandcrawler.store.event_store import EventStore, StoredEvent

BATCH_SIZE = 500


class Projection(Protocol):
    """A follower of the log: a name, a checkpoint and a way to apply a batch.

    `apply` makes the batch's effect durable and only then moves the checkpoint to the
    batch's last position (in the same SQL transaction for SQL targets, after the bulk
    answer for Elasticsearch, after delivery is recorded for notifications). A crash
    replays from the checkpoint, so `apply` must be harmless to repeat.

    Optional: a `batch_size` attribute (events per batch, when the caller names none) and a
    `reset()` method that forgets the projection's effect and checkpoint (see `rebuild`).
    """

    @property
    def name(self) -> str:
        """Unique among projections: the key of its checkpoint (a plain attribute will do)."""
        ...

    def checkpoint(self) -> int:
        """The last global position this projection has fully applied (0: none)."""
        ...

    def apply(self, batch: Sequence[StoredEvent]) -> None:
        """Apply the events (in position order, none skipped) and move the checkpoint."""
        ...


def catch_up(projection: Projection, store: EventStore, *, batch_size: int | None = None,
             until: int | None = None) -> int:
    """Apply every event after the projection's checkpoint (up to `until`, if given), in
    batches read through the event store; returns the position reached."""
    size = batch_size or getattr(projection, "batch_size", None) or BATCH_SIZE
    position = projection.checkpoint()
    while until is None or position < until:
        limit = size if until is None else min(size, until - position)
        batch = list(store.read_all(position, batch_size=limit, limit=limit))
        if not batch:
            break
        projection.apply(batch)
        position = batch[-1].position
        if len(batch) < limit:
            break
    return position


def rebuild(projection: Projection, store: EventStore) -> int:
    """Forget what the projection made (its `reset`), then catch it up from position 0."""
    projection.reset()  # type: ignore[attr-defined]
    return catch_up(projection, store)
