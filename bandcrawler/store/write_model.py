"""The SQL write model: bands and concerts tables, a projection of the event store."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete
from sqlalchemy.engine import Engine

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document
from bandcrawler.faults import kill_point
from bandcrawler.store.checkpoints import (
    forget_checkpoints,
    lock_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from bandcrawler.store.event_store import EventStore, StoredEvent
from bandcrawler.store.repository import ConcertRepository
from bandcrawler.store.saga import Report, SagaStore
from bandcrawler.store.tables import band_sources, bands, concerts
from bandcrawler.store.upsert import insert_or_ignore_many, upsert_many

CHECKPOINT = "write_model"
BAND_EVENTS = ("BandRegistered", "BandSourceAdded", "BandSourceRemoved", "BandRemoved")


def concert_row(concert: Concert) -> dict:
    """The write-model row of a concert: its public view, flattened."""
    view = concert_document(concert)
    venue, location = view.pop("venue"), view.pop("location") or {}
    view.update({f"venue_{k}": v for k, v in venue.items()})
    view.update(latitude=location.get("lat"), longitude=location.get("lon"))
    return view


class WriteModelProjector:
    """A projection (see services/projections.py): applies a batch of events to the tables,
    and moves its checkpoint in the same transaction; the saga hears in it which concerts
    are persisted at which version, so "persisted" is exactly what the checkpoint says."""

    name = CHECKPOINT

    def __init__(self, engine: Engine, store: EventStore, batch_size: int = 500,
                 saga: SagaStore | None = None, repository: ConcertRepository | None = None):
        self.engine, self.store, self.batch_size = engine, store, batch_size
        # The application's, shared with the crawl's steps: a concert whose state its
        # identity map holds at the version being projected is not folded again.
        self.repository = repository or ConcertRepository(store)
        self.saga = saga

    def checkpoint(self) -> int:
        return read_checkpoint(self.engine, CHECKPOINT)

    position = checkpoint

    def apply(self, batch: Sequence[StoredEvent]) -> None:
        """Write the rows the batch changes and move the checkpoint, in one transaction.
        Events another process applied meanwhile (under the same locked checkpoint) are
        skipped, so two followers never write an older state over a newer one."""
        with self.engine.begin() as conn:
            done = lock_checkpoint(conn, CHECKPOINT)
            todo = [event for event in batch if event.position > done]
            if not todo:
                return
            self._apply(conn, todo)
            kill_point("persist")  # rows written, checkpoint not yet
            save_checkpoint(conn, CHECKPOINT, todo[-1].position)
        kill_point("persisted")

    def reset(self) -> None:
        """Forget every row and the checkpoint: the next catch-up replays the whole log."""
        with self.engine.begin() as conn:
            for table in (concerts, band_sources, bands):
                conn.execute(delete(table))
            forget_checkpoints(conn, [CHECKPOINT])

    def _apply(self, conn: Connection, batch: Sequence[StoredEvent]) -> None:
        """Write the rows the batch changes: each touched concert as of the batch's last
        position, its streams read in one query (or taken from the identity map, which holds
        states checked against their version at that position)."""
        # Every event after the checkpoint up to the batch's last position is in the batch,
        # so a touched stream's last event in it gives its version at that position.
        touched: dict[str, int] = {}
        for event in batch:
            if event.stream_id.startswith("concert-"):
                touched[event.stream_id] = event.version
        _apply_band_events(conn, [(event.type, event.data) for event in batch
                                  if event.type in BAND_EVENTS])
        states = self.repository.get_many(
            conn, [s.removeprefix("concert-") for s in touched],
            up_to_position=batch[-1].position, versions=touched, read_only=True)
        upsert_many(conn, concerts, [concert_row(state) for state in states.values()],
                    ["concert_id"])
        if self.saga is not None:
            self.saga.report_many([Report(c.concert_id, version=c.version,
                                          persisted_version=c.version)
                                   for c in states.values()], conn=conn)



def _apply_band_events(conn: Connection, band_events: list[tuple[str, dict]]) -> None:
    """Band rows in event order: inserts are batched, a removal first writes what came
    before it."""
    new_bands: list[dict] = []
    new_sources: list[dict] = []

    def flush() -> None:
        insert_or_ignore_many(conn, bands, new_bands)
        insert_or_ignore_many(conn, band_sources, new_sources)
        new_bands.clear()
        new_sources.clear()

    for kind, event in band_events:
        if kind == "BandRegistered":
            new_bands.append({"band_id": event["band_id"], "name": event["name"],
                              "registered_at": event["at"]})
        elif kind == "BandSourceAdded":
            new_sources.append({"band_id": event["band_id"], "kind": event["kind"],
                                "value": event["value"],
                                "discovered_from": event.get("discovered_from")})
        else:
            flush()
            if kind == "BandSourceRemoved":
                conn.execute(delete(band_sources).where(
                    band_sources.c.band_id == event["band_id"],
                    band_sources.c.kind == event["kind"],
                    band_sources.c.value == event["value"]))
            else:  # BandRemoved
                conn.execute(delete(band_sources).where(
                    band_sources.c.band_id == event["band_id"]))
                conn.execute(delete(bands).where(bands.c.band_id == event["band_id"]))
    flush()
