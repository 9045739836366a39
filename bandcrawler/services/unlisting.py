"""Use case: a complete crawl of a source no longer lists some upcoming concerts; listings
that shrink suspiciously unlist nothing until seen again; a removed band's concerts.

What each crawl read of a band's sources is kept in the small `source_reads` table, written
at spider close, not as events: it is a fact about the crawler (when, how many, whether whole)
that changes on every crawl, and events would grow each band's stream on every re-crawl of
unchanged pages, which must append nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select

from bandcrawler.domain.band import decide_concert_withdrawn
from bandcrawler.domain.concert import Concert, decide_unlisted
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import concert_stream
from bandcrawler.services.unit_of_work import retry_on_conflict
from bandcrawler.store.event_store import EventStore, utc_now
from bandcrawler.store.repository import ConcertRepository, to_new_events
from bandcrawler.store.tables import concerts as concert_rows
from bandcrawler.store.tables import source_reads
from bandcrawler.store.upsert import upsert


@dataclass(frozen=True)
class ListingRule:
    """A listing is suspect when it falls to zero or by more than `shrink` (a fraction) from
    the last one trusted, until `confirmations` later crawls give the same answer."""

    shrink: float = 0.5
    confirmations: int = 1


def judge_listing(previous: Row | None, seen: Collection[str], complete: bool, now: str,
                  rule: ListingRule) -> tuple[bool, dict[str, Any]]:
    """Whether this crawl's listing may unlist what it no longer holds, and the read to keep."""
    count = len(seen)
    row: dict[str, Any] = {"crawled_at": now, "concerts": count, "complete": complete,
                           "accepted_concerts": None, "suspect_reason": None,
                           "suspect_digest": None, "suspect_crawls": 0}
    if previous is not None:
        row.update({k: getattr(previous, k) for k in
                    ("accepted_concerts", "suspect_reason", "suspect_digest", "suspect_crawls")})
    if not complete:
        return False, row
    accepted = row["accepted_concerts"]
    shrunk = bool(accepted) and (count == 0 or count < accepted * (1 - rule.shrink))
    digest = hashlib.sha256("\n".join(sorted(seen)).encode()).hexdigest()[:32]
    streak = row["suspect_crawls"] + 1 if row["suspect_digest"] == digest else 1
    if shrunk and streak <= rule.confirmations:
        row.update(suspect_digest=digest, suspect_crawls=streak, suspect_reason=(
            f"listed {count} concert(s) where the last trusted crawl listed {accepted}; "
            f"nothing unlisted until {rule.confirmations - streak + 1} more crawl(s) "
            "list the same"))
        return False, row
    row.update(accepted_concerts=count, suspect_reason=None, suspect_digest=None,
               suspect_crawls=0)
    return True, row


def check_listing(store: EventStore, band_id: str, kind: str, seen: Collection[str],
                  complete: bool, rule: ListingRule) -> tuple[bool, str | None]:
    """Judge this crawl's listing of the band's `kind` sources and keep the read; returns
    (trusted, why it is suspect)."""
    with store.engine.begin() as conn:
        previous = conn.execute(select(source_reads).where(
            source_reads.c.band_id == band_id, source_reads.c.kind == kind)).first()
        trusted, row = judge_listing(previous, seen, complete, utc_now(), rule)
        upsert(conn, source_reads, {"band_id": band_id, "kind": kind, **row},
               ["band_id", "kind"])
    return trusted, row["suspect_reason"] if complete else None


def unlist_missing(concerts: ConcertRepository, band_id: str, source: str, seen: Collection[str],
                   today: str, meta: dict[str, Any]) -> dict[str, int]:
    """Record `ConcertUnlisted` for the band's upcoming concerts that `source` listed before
    and did not list in this crawl (`seen`); returns concert id -> its new version.

    Only call it after a crawl that read the band's whole listing from that source.
    """
    with concerts.store.engine.connect() as conn:
        known = conn.execute(select(concert_rows.c.concert_id).where(
            concert_rows.c.band_id == band_id, concert_rows.c.local_date >= today)
        ).scalars().all()

    def decide(concert: Concert) -> list[DomainEvent]:
        return decide_unlisted(concert, source, today, utc_now())

    return _each(concerts, set(known) - set(seen), decide, meta)


def withdraw_band_concerts(concerts: ConcertRepository, band_id: str, meta: dict[str, Any]
                           ) -> dict[str, int]:
    """A removed band's concerts: every listing unlisted; returns concert id -> version."""
    with concerts.store.engine.connect() as conn:
        known = conn.execute(select(concert_rows.c.concert_id).where(
            concert_rows.c.band_id == band_id)).scalars().all()
    return _each(concerts, known, lambda c: decide_concert_withdrawn(c, utc_now()), meta)


def _each(concerts: ConcertRepository, concert_ids: Collection[str],
          decide: Callable[[Concert], list[DomainEvent]], meta: dict[str, Any]
          ) -> dict[str, int]:
    changed = {}
    for concert_id in sorted(concert_ids):
        version = _decide_on(concerts, concert_id, decide, meta)
        if version is not None:
            changed[concert_id] = version
    return changed


def _decide_on(concerts: ConcertRepository, concert_id: str,
               decide: Callable[[Concert], list[DomainEvent]], meta: dict[str, Any]
               ) -> int | None:
    def attempt() -> int | None:
        with concerts.store.engine.begin() as conn:
            concert = concerts.get(conn, concert_id)
            decided = decide(concert)
            if not decided:
                return None
            concerts.store.append(conn, concert_stream(concert_id), to_new_events(decided, meta),
                         concert.version)
            return concert.version + len(decided)

    return retry_on_conflict(attempt)
