"""The SQLite write model: bands and concerts tables, projected from the event store."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, delete, select
from sqlalchemy.engine import Engine

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document
from bandcrawler.faults import kill_point
from bandcrawler.store.event_store import EventStore, StoredEvent
from bandcrawler.store.repository import fold_concert
from bandcrawler.store.tables import band_sources, bands, checkpoints, concerts, events
from bandcrawler.store.upsert import insert_or_ignore, upsert

CHECKPOINT = "write_model"


def concert_row(concert: Concert) -> dict:
    """The write-model row of a concert: its public view, flattened."""
    view = concert_document(concert)
    venue, location = view.pop("venue"), view.pop("location") or {}
    view.update({f"venue_{k}": v for k, v in venue.items()})
    view.update(latitude=location.get("lat"), longitude=location.get("lon"))
    return view


class WriteModelProjector:
    """Applies new events to the tables; the checkpoint moves in the same transaction."""

    def __init__(self, engine: Engine, store: EventStore, batch_size: int = 500):
        self.engine, self.store, self.batch_size = engine, store, batch_size

    def position(self, conn: Connection | None = None) -> int:
        query = select(checkpoints.c.position).where(checkpoints.c.name == CHECKPOINT)
        if conn is not None:
            return conn.execute(query).scalar() or 0
        with self.engine.connect() as own:
            return own.execute(query).scalar() or 0

    def catch_up(self) -> int:
        """Apply every event after the checkpoint; returns the checkpoint reached."""
        while True:
            with self.engine.begin() as conn:
                start = self.position(conn)
                batch = self._read_batch(conn, start)
                if not batch:
                    return start
                self._apply(conn, batch)
                kill_point("persist")  # rows written, checkpoint not yet
                self._save_position(conn, batch[-1].position)
            kill_point("persisted")

    def rebuild(self) -> int:
        """Forget every row and replay the whole store."""
        with self.engine.begin() as conn:
            for table in (concerts, band_sources, bands, checkpoints):
                query = delete(table)
                if table is checkpoints:
                    query = query.where(checkpoints.c.name == CHECKPOINT)
                conn.execute(query)
        return self.catch_up()

    def _read_batch(self, conn: Connection, after: int) -> list[StoredEvent]:
        query = (select(events).where(events.c.position > after)
                 .order_by(events.c.position).limit(self.batch_size))
        return [StoredEvent(**row._mapping) for row in conn.execute(query)]

    def _apply(self, conn: Connection, batch: list[StoredEvent]) -> None:
        touched: dict[str, list[StoredEvent]] = defaultdict(list)
        for event in batch:
            if event.type == "BandRegistered":
                insert_or_ignore(conn, bands, {"band_id": event.data["band_id"],
                                               "name": event.data["name"],
                                               "registered_at": event.data["at"]})
            elif event.type == "BandSourceAdded":
                insert_or_ignore(conn, band_sources, {k: event.data[k]
                                                      for k in ("band_id", "kind", "value")})
            elif event.stream_id.startswith("concert-"):
                touched[event.stream_id].append(event)
        last = batch[-1].position
        for stream_id in touched:
            concert_id = stream_id.removeprefix("concert-")
            stored = self.store.read_stream(stream_id, up_to_position=last, conn=conn)
            row = concert_row(fold_concert(Concert(concert_id), stored))
            upsert(conn, concerts, row, ["concert_id"])

    def _save_position(self, conn: Connection, new: int) -> None:
        upsert(conn, checkpoints, {"name": CHECKPOINT, "position": new}, ["name"])
