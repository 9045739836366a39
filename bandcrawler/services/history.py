"""Each concert's history: its events in order, who said what, what changed; timelines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from bandcrawler.domain.changes import Change, Recorded, history_changes, replay, step_changes
from bandcrawler.domain.events import event_from
from bandcrawler.domain.identity import concert_stream
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.tables import concert_keys, concerts

_ID_FIELDS = ("concert_id", "at")


@dataclass(frozen=True)
class HistoryEntry:
    position: int
    version: int
    recorded_at: str
    type: str
    source: str | None
    source_url: str | None
    said: dict[str, Any]  # the event's own data, without the ids
    changes: list[Change]

    def to_json(self) -> dict[str, Any]:
        return {"position": self.position, "version": self.version,
                "recorded_at": self.recorded_at, "type": self.type, "source": self.source,
                "source_url": self.source_url, "said": self.said,
                "changes": [c.to_json() for c in self.changes]}


@dataclass(frozen=True)
class Timeline:
    """A concert now, and every change it went through, oldest first."""

    concert: dict[str, Any]
    changes: list[Change]

    @property
    def sequence(self) -> int:
        """How many times people saw it change since it was announced (iCalendar SEQUENCE)."""
        return sum(1 for c in self.changes if c.kind != "announced")


def resolve_concert(store: EventStore, text: str) -> str | None:
    """A concert id from its id, a source's id for it, or its page's URL."""
    text = text.strip()
    with store.engine.connect() as conn:
        if EventStore.stream_version(conn, concert_stream(text)):
            return text
        found = conn.execute(select(concert_keys.c.concert_id).where(
            concert_keys.c.key.like("src:%:" + text.replace("%", r"\%"), escape="\\"))
        ).scalars().first()
        if found is None:
            found = conn.execute(select(concerts.c.concert_id).where(
                (concerts.c.url == text) | (concerts.c.ticket_url == text))).scalars().first()
    return found


def concert_history(store: EventStore, concert_id: str) -> list[HistoryEntry]:
    """Every event of the concert, in order, with the changes each one made."""
    with store.engine.connect() as conn:
        stream = next(iter(read_streams(conn, [concert_stream(concert_id)]).values()), [])
    entries = []
    for (event, version, position, meta, recorded), changes in zip(
            stream, history_changes(stream), strict=True):
        data = event.to_data()
        entries.append(HistoryEntry(position, version, recorded, event.type,
                                    data.get("source"), (meta or {}).get("source_url"),
                                    {k: v for k, v in data.items() if k not in _ID_FIELDS},
                                    changes))
    return entries


def timelines(store: EventStore, concert_ids: Iterable[str] | None = None
              ) -> Iterator[Timeline]:
    """Each concert (all, or those named) as it is now, with its changes."""
    streams = None if concert_ids is None else [concert_stream(c) for c in concert_ids]
    with store.engine.connect() as conn:
        read = read_streams(conn, streams)
    for stored in read.values():
        steps = list(replay(stored))
        yield Timeline(steps[-1].after, [c for step in steps for c in step_changes(step)])


def sequences(store: EventStore, concert_ids: Iterable[str]) -> dict[str, int]:
    """Each concert's iCalendar SEQUENCE (for feeds built from search hits)."""
    return {t.concert["concert_id"]: t.sequence for t in timelines(store, concert_ids)}


def read_streams(conn: Connection, streams: list[str] | None, *,
                 up_to_position: int | None = None) -> dict[str, list[Recorded]]:
    """The events of the named concert streams (None: every concert), by stream, as
    `replay` reads them."""
    store = EventStore(conn.engine)
    read = (store.read_category("concert", conn=conn, up_to_position=up_to_position)
            if streams is None
            else store.read_streams(conn, streams, up_to_position=up_to_position))
    found: dict[str, list[Recorded]] = {}
    for position, stream_id, version, kind, data, meta, recorded, _ in read:
        found.setdefault(stream_id, []).append(
            (event_from(kind, data), version, position, meta or {}, recorded))
    return found
