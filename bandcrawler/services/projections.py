"""The one projection runner: every follower of the event log catches up the same way."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from bandcrawler.store.event_store import EventStore, StoredEvent

logger = logging.getLogger(__name__)

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
             until: int | None = None, stop: Callable[[], bool] | None = None) -> int:
    """Apply every event after the projection's checkpoint (up to `until`, if given), in
    batches read through the event store; returns the position reached. `stop`, asked
    between batches, ends the catch-up early (a follower told to shut down)."""
    size = batch_size or getattr(projection, "batch_size", None) or BATCH_SIZE
    position = projection.checkpoint()
    while (until is None or position < until) and not (stop and stop()):
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


def follow(projections: Sequence[Projection], store: EventStore, *,
           stop: threading.Event, poll_seconds: float = 1.0, once: bool = False,
           after_round: Callable[[], object] | None = None) -> None:
    """Catch every projection up with the log, poll for new events, again, until `stop` is
    set (a signal handler sets it; the batch being applied is finished first).

    Safe to run beside crawls and beside another follower: SQL projections lock their
    checkpoint and skip what was applied meanwhile; documents carry their version, so two
    followers sending the same ones cost double the bulk traffic and corrupt nothing. A
    projection that fails (Elasticsearch down) is logged and retried at the next poll; the
    others go on. `after_round` runs after each round (sending the alerts that are due).
    """
    reached: dict[str, int] = {}
    while not stop.is_set():
        head = store.last_position()
        for projection in projections:
            try:
                position = catch_up(projection, store, stop=stop.is_set)
            except Exception as exc:  # noqa: BLE001 - retried at the next poll
                logger.warning("Projection %s could not catch up: %s", _label(projection),
                               exc)
                continue
            if reached.get(projection.name) != position:
                reached[projection.name] = position
                logger.info("Projection %s at position %d, %d event(s) behind the head",
                            projection.name, position, max(head - position, 0))
        if after_round is not None:
            try:
                after_round()
            except Exception as exc:  # noqa: BLE001 - retried after the next round
                logger.warning("After catching up: %s", exc)
        if once:
            return
        stop.wait(poll_seconds)


def _label(projection: Projection) -> str:
    """The projection's name, or its class's when even the name cannot be had (the read
    model's names its index, which Elasticsearch must tell)."""
    try:
        return projection.name
    except Exception:  # noqa: BLE001 - only for a log line
        return type(projection).__name__
