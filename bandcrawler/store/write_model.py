"""The SQLite write model: bands and concerts tables, projected from the event store."""

from __future__ import annotations

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.engine import Engine

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document
from bandcrawler.faults import kill_point
from bandcrawler.store.event_store import CHUNK, EventStore, payload
from bandcrawler.store.repository import ConcertCache, read_concerts
from bandcrawler.store.tables import band_sources, bands, checkpoints, concerts, events
from bandcrawler.store.upsert import insert_or_ignore_many, upsert, upsert_many

CHECKPOINT = "write_model"
BAND_EVENTS = ("BandRegistered", "BandSourceAdded")


def concert_row(concert: Concert) -> dict:
    """The write-model row of a concert: its public view, flattened."""
    view = concert_document(concert)
    venue, location = view.pop("venue"), view.pop("location") or {}
    view.update({f"venue_{k}": v for k, v in venue.items()})
    view.update(latitude=location.get("lat"), longitude=location.get("lon"))
    return view


class WriteModelProjector:
    """Applies new events to the tables; the checkpoint moves in the same transaction."""

    def __init__(self, engine: Engine, store: EventStore, batch_size: int = 500,
                 cache: ConcertCache | None = None):
        self.engine, self.store, self.batch_size = engine, store, batch_size
        # The states a crawl's steps just folded (CrawlContext sets it): a concert whose
        # state the cache holds at the version being projected is not folded again.
        self.cache = cache

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
            if len(batch) < self.batch_size:  # that was the last: no transaction to find none
                return batch[-1].position

    def rebuild(self) -> int:
        """Forget every row and replay the whole store."""
        with self.engine.begin() as conn:
            for table in (concerts, band_sources, bands, checkpoints):
                query = delete(table)
                if table is checkpoints:
                    query = query.where(checkpoints.c.name == CHECKPOINT)
                conn.execute(query)
        return self.catch_up()

    def _read_batch(self, conn: Connection, after: int) -> list[Row]:
        """The next events' positions, streams, versions and types; their data only for the
        band events, whose rows are made from it (a concert's row is made from its folded
        state, often the cache's, so its events' JSON is not decoded here)."""
        query = (select(events.c.position, events.c.stream_id, events.c.version,
                        events.c.type)
                 .where(events.c.position > after)
                 .order_by(events.c.position).limit(self.batch_size))
        return list(conn.execute(query))

    def _apply(self, conn: Connection, batch: list[Row]) -> None:
        """Write the rows the batch changes: each touched concert as of the batch's last
        position, its streams read in one query (or taken from the cache, which holds
        states checked against their version at that position)."""
        band_events = [row.position for row in batch if row.type in BAND_EVENTS]
        data: dict[int, dict] = {}
        for start in range(0, len(band_events), CHUNK):
            query = select(events.c.position, events.c.type, events.c.data,
                           events.c.schema_version).where(
                events.c.position.in_(band_events[start:start + CHUNK]))
            data.update((position, payload(kind, schema, stored))
                        for position, kind, stored, schema in conn.execute(query))
        new_bands, new_sources = [], []
        # Every event after the checkpoint up to the batch's last position is in the batch,
        # so a touched stream's last event in it gives its version at that position.
        touched: dict[str, int] = {}
        for position, stream_id, version, kind in batch:
            if kind == "BandRegistered":
                event = data[position]
                new_bands.append({"band_id": event["band_id"], "name": event["name"],
                                  "registered_at": event["at"]})
            elif kind == "BandSourceAdded":
                event = data[position]
                new_sources.append({k: event[k] for k in ("band_id", "kind", "value")})
            elif stream_id.startswith("concert-"):
                touched[stream_id] = version
        insert_or_ignore_many(conn, bands, new_bands)
        insert_or_ignore_many(conn, band_sources, new_sources)
        states = read_concerts(conn, [s.removeprefix("concert-") for s in touched], self.cache,
                               up_to_position=batch[-1].position, versions=touched,
                               read_only=True)
        upsert_many(conn, concerts, [concert_row(state) for state in states.values()],
                    ["concert_id"])

    def _save_position(self, conn: Connection, new: int) -> None:
        upsert(conn, checkpoints, {"name": CHECKPOINT, "position": new}, ["name"])
