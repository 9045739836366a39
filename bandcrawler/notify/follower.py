"""The notification follower: a projection that turns each batch of the log into messages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from bandcrawler.domain.changes import Change, Said, replay, said_by
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.watch import Watch
from bandcrawler.notify.matching import news_for
from bandcrawler.services.history import read_streams
from bandcrawler.services.watches import load_watches
from bandcrawler.store.event_store import CHUNK, EventStore, StoredEvent, utc_now
from bandcrawler.store.tables import checkpoints, deliveries
from bandcrawler.store.upsert import insert_or_ignore_many, upsert

NAME = "notify"


@dataclass
class _Stream:
    """One concert's views at the cuts that matter, and the events after the first cut."""

    views: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    said: list[tuple[int, DomainEvent, Said | None, str]] = field(default_factory=list)
    current: dict[str, Any] | None = None


class NotificationFollower:
    """A `Projection` (services/projections.py): for each batch, the changes every watch
    hears of become one message per watch, written as deliveries (one per channel) in the
    same transaction as the checkpoint. Sending is `notify.delivery.deliver_due`'s job."""

    name = NAME

    def __init__(self, engine: Engine, today: Callable[[], date] = date.today):
        self.engine, self.today = engine, today
        self.store = EventStore(engine)

    def checkpoint(self) -> int:
        """Its position, or later where nothing before is news to any watch: the log's
        head while no watch exists, else the earliest position a watch starts from (a
        crawl's end reads nothing until someone watches; a new watch is not preceded by
        a replay of the whole log)."""
        with self.engine.connect() as conn:
            position = self._position(conn)
            watches = load_watches(conn)
            if watches:
                return max(position, min(w.since_position for w in watches))
            return max(position, self.store.last_position(conn))

    def apply(self, batch: Sequence[StoredEvent]) -> None:
        if not batch:
            return
        end = batch[-1].position
        with self.engine.begin() as conn:
            start = self._position(conn)
            if end <= start:  # applied already (a replay)
                return
            watches = [w for w in load_watches(conn, include_removed=True)
                       if w.since_position < end and not w.removed]
            if watches:
                insert_or_ignore_many(conn, deliveries,
                                      self._deliveries(conn, batch, watches, start, end))
            upsert(conn, checkpoints, {"name": NAME, "position": end}, ["name"])

    def _deliveries(self, conn: Connection, batch: Sequence[StoredEvent],
                    watches: list[Watch], start: int, end: int) -> list[dict[str, Any]]:
        touched = {e.stream_id for e in batch if e.position > start
                   and e.stream_id.startswith("concert-")}
        if any(w.backfill and start < w.created_position for w in watches):
            # a new backfill watch sees all
            touched |= self.store.stream_ids(conn, "concert", up_to_position=end)
        cuts = {max(start, w.since_position) for w in watches}
        streams = _fold(conn, sorted(touched), cuts, end)
        today, now, rows = self.today(), utc_now(), []
        for watch in watches:
            cut = max(start, watch.since_position)
            news: list[Change] = []
            for stream in streams.values():
                said = [(e, s) for p, e, s, _ in stream.said if p > cut and s is not None]
                moved = [(p, at) for p, _, _, at in stream.said if p > cut]
                if not moved or stream.current is None:
                    continue
                news += news_for(watch, stream.views.get(cut), stream.current, said,
                                 moved[-1][0], moved[-1][1], today)
            if news:
                rows += delivery_rows(watch, news, cut + 1, end, now)
        return rows

    @staticmethod
    def _position(conn: Connection) -> int:
        query = select(checkpoints.c.position).where(checkpoints.c.name == NAME)
        return conn.execute(query).scalar() or 0


def message_id_for(watch: Watch, first: int, last: int) -> str:
    """The message's stable id: the same for every channel and every replay."""
    return f"{watch.watch_id}.v{watch.version}.{first}-{last}"


def delivery_rows(watch: Watch, news: list[Change], first: int, last: int,
                  now: str) -> list[dict[str, Any]]:
    message_id = message_id_for(watch, first, last)
    news.sort(key=lambda c: (c.concert.get("local_date") or "", c.concert_id, c.kind))
    payload = {"message_id": message_id, "watch": watch.name, "watch_id": watch.watch_id,
               "positions": [first, last],
               "changes": [{**c.to_json(), "distance_km": _rounded(watch.distance_km(c.concert))}
                           for c in news]}
    return [{"delivery_id": f"{message_id}/{kind}/{_digest(target)}", "message_id": message_id,
             "watch_id": watch.watch_id, "channel": kind, "target": target,
             "payload": payload, "status": "pending", "attempts": 0, "last_error": None,
             "next_attempt_at": now, "created_at": now, "sent_at": None}
            for kind, target in watch.channels]


def _rounded(km: float | None) -> float | None:
    return None if km is None else round(km, 1)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _fold(conn: Connection, streams: list[str], cuts: set[int], end: int
          ) -> dict[str, _Stream]:
    """Each stream replayed up to `end`, with its view at each cut (None: not yet known)."""
    first_cut = min(cuts) if cuts else end
    found: dict[str, _Stream] = {}
    for at in range(0, len(streams), CHUNK):  # CHUNK streams' events in memory at a time
        for stream_id, recorded in read_streams(conn, streams[at:at + CHUNK],
                                                up_to_position=end).items():
            stream = found[stream_id] = _Stream()
            for step in replay(recorded):
                for cut in cuts:
                    if cut not in stream.views and step.position > cut:
                        stream.views[cut] = step.before
                if step.position > first_cut:
                    stream.said.append((step.position, step.event,
                                        said_by(step.event, step.meta, step.position),
                                        step.recorded_at))
                stream.current = step.after
    for stream in found.values():  # a cut after the stream's last event: its current view
        for cut in cuts:
            stream.views.setdefault(cut, stream.current)
    return found
