"""Use case: a complete crawl of a source no longer lists some upcoming concerts."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from bandcrawler.domain.concert import decide_unlisted
from bandcrawler.domain.identity import concert_stream
from bandcrawler.services.unit_of_work import retry_on_conflict
from bandcrawler.store.event_store import EventStore, utc_now
from bandcrawler.store.repository import load_concert, to_new_events
from bandcrawler.store.tables import concerts


def unlist_missing(store: EventStore, band_id: str, source: str, seen: Collection[str],
                   today: str, meta: dict[str, Any]) -> dict[str, int]:
    """Record `ConcertUnlisted` for the band's upcoming concerts that `source` listed before
    and did not list in this crawl (`seen`); returns concert id -> its new version.

    Only call it after a crawl that read the band's whole listing from that source.
    """
    with store.engine.connect() as conn:
        known = conn.execute(select(concerts.c.concert_id).where(
            concerts.c.band_id == band_id, concerts.c.local_date >= today)).scalars().all()
    unlisted = {}
    for concert_id in set(known) - set(seen):
        version = _unlist(store, concert_id, source, today, meta)
        if version is not None:
            unlisted[concert_id] = version
    return unlisted


def _unlist(store: EventStore, concert_id: str, source: str, today: str,
            meta: dict[str, Any]) -> int | None:
    def attempt() -> int | None:
        with store.engine.begin() as conn:
            concert = load_concert(store, conn, concert_id)
            decided = decide_unlisted(concert, source, today, utc_now())
            if not decided:
                return None
            store.append(conn, concert_stream(concert_id), to_new_events(decided, meta),
                         concert.version)
            return concert.version + len(decided)

    return retry_on_conflict(attempt)
