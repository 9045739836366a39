"""Use cases on concerts: record sources' listings, locate concerts; one or a batch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection

from bandcrawler.domain.concert import (
    Concert,
    Listing,
    decide_geocoded,
    decide_geocoding_failed,
    decide_listing,
)
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import (
    concert_id_for,
    natural_key,
    source_key,
    town_natural_key,
)
from bandcrawler.services.streams import Decided, append_decided, fold_decided
from bandcrawler.services.unit_of_work import retry_on_conflict
from bandcrawler.store.event_store import utc_now
from bandcrawler.store.repository import (
    ConcertRepository,
    known_concert_ids,
    remember_keys_many,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

@dataclass(frozen=True)
class Recorded:
    """What recording a listing did. `concert` (the state after it) is read-only: the
    repository's identity map holds it."""

    concert_id: str
    version: int
    appended: int
    concert: Concert
    # Nothing new, and the concert's every step is done at this version (see
    # `record_crawled_listings`): nothing is left to do for it.
    settled: bool = False


class Locator(Protocol):
    def locate(self, *, city: str | None = None, region: str | None = None,
               country: str | None = None, address: str | None = None,
               venue_name: str | None = None) -> Any: ...

    def timezone_at(self, latitude: float, longitude: float) -> str | None: ...


def listing_keys(listing: Listing) -> list[str]:
    """Identity keys, strongest first: the source's own id, the canonical-town key, then the
    natural key as written (last: a new concert's id is its hash, as before the town key)."""
    keys = []
    if listing.source_id:
        keys.append(source_key(listing.source, listing.source_id))
    if listing.place_key:
        keys.append(town_natural_key(listing.band_id, listing.details["local_date"],
                                     listing.place_key))
    keys.append(natural_key(listing.band_id, listing.details["local_date"], listing.place))
    return keys


def record_listing(concerts: ConcertRepository, listing: Listing,
                   meta: dict[str, Any]) -> Recorded:
    """Decide and append what the listing says that is new, with the identity keys, atomically."""
    return record_listings(concerts, [(listing, meta)])[0]


def record_listings(concerts: ConcertRepository,
                    batch: Sequence[tuple[Listing, dict[str, Any]]]) -> list[Recorded]:
    """`record_listing` for each (listing, meta), in order, in one transaction: the outcome of
    one transaction each (a later listing sees what an earlier one recorded), at a fraction
    of the cost. All or none; a concurrent append elsewhere makes the whole batch decide again.
    """
    def attempt() -> list[Recorded]:
        with concerts.store.engine.begin() as conn:
            return _record(concerts, conn, batch)

    recorded = retry_on_conflict(attempt)
    concerts.saved({r.concert_id: r.concert for r in recorded}.values())
    return recorded


class Settlements(Protocol):
    def settled(self, versions: dict[str, int]) -> set[str]: ...


def record_crawled_listings(concerts: ConcertRepository, saga: Settlements,
                            batch: Sequence[tuple[Listing, dict[str, Any]]]) -> list[Recorded]:
    """`record_listings`, telling which listings are settled: already recorded, for a concert
    whose saga is complete at its current version (one saga query for the batch), so that a
    re-crawl of unchanged sources does no later step for them."""
    recorded = record_listings(concerts, batch)
    unchanged = {r.concert_id: r.version for r in recorded if not r.appended}
    settled = saga.settled(unchanged) if unchanged else set()
    return [replace(r, settled=True) if r.concert_id in settled else r for r in recorded]


def _record(concerts: ConcertRepository, conn: Connection,
            batch: Sequence[tuple[Listing, dict[str, Any]]]) -> list[Recorded]:
    keyed = [(listing, meta, listing_keys(listing)) for listing, meta in batch]
    known = known_concert_ids(conn, (key for _, _, keys in keyed for key in keys))
    new_keys: dict[str, str] = {}
    ids = []
    for _, _, keys in keyed:
        concert_id = next((known[k] for k in keys if k in known), None) \
            or concert_id_for(keys[-1])
        for key in keys:  # as remember_keys_many: a key already mapped keeps its concert
            if key not in known:
                known[key] = new_keys[key] = concert_id
        ids.append(concert_id)
    states = concerts.get_many(conn, ids)
    recorded, appends = [], []
    for (listing, meta, _), concert_id in zip(keyed, ids, strict=True):
        concert = states[concert_id]  # a later listing of it sees what an earlier one added
        decided = decide_listing(concert, listing, utc_now())
        if decided:
            appends.append(Decided(concert, decided, meta, fold_decided(concert, decided)))
        recorded.append(Recorded(concert_id, concert.version, len(decided), concert))
    append_decided(concerts.store, conn, appends)
    remember_keys_many(conn, new_keys)
    return recorded


@dataclass(frozen=True)
class Located:
    concert: Concert  # read-only, as Recorded.concert
    error: str | None  # the reason the concert could not be located, if so

    @property
    def done(self) -> bool:
        return self.error is None


def geocode_concert(concerts: ConcertRepository, locator: Locator, concert_id: str,
                    meta: dict[str, Any]) -> Located:
    """Locate the concert's venue, unless already located; records success or failure."""
    return geocode_concerts(concerts, locator, {concert_id: meta})[concert_id]


def _here(fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)


def geocode_concerts(concerts: ConcertRepository, locator: Locator,
                     metas: Mapping[str, dict[str, Any]], *,
                     on_store: Callable[..., Any] = _here) -> dict[str, Located]:
    """`geocode_concert` for several concerts (concert id -> the metadata of what is
    recorded for it): read them, locate them, append what was found in one transaction;
    again, all of it, when another writer moved one of them on meanwhile.

    The locating runs where this is called, the store's work through `on_store(fn, *args)`:
    the crawl calls this on the geocoder's thread (an online geocoder waits out its rate
    limit there) and hands the store's work to the store's thread.
    """
    ids = list(metas)

    def attempt() -> dict[str, Located]:
        states = on_store(concerts.current, ids)
        decisions = [_locate(locator, c) if c.needs_geocoding() else None for c in states]
        return on_store(_record_locations, concerts, states, decisions,
                        [metas[c.concert_id] for c in states])

    return retry_on_conflict(attempt)


Decision = tuple[list[DomainEvent], "str | None"]  # events to append, reason it failed


def _record_locations(concerts: ConcertRepository, states: Sequence[Concert],
                      decisions: Sequence[Decision | None], metas: Sequence[dict[str, Any]]
                      ) -> dict[str, Located]:
    """Append the decisions (with their metadata) in one transaction, folding them into the
    states; raises ConcurrencyError (nothing written) when another writer moved one of them
    on since it was read."""
    outcome = {concert.concert_id: Located(concert, decision[1] if decision else None)
               for concert, decision in zip(states, decisions, strict=True)}
    appends = [Decided(concert, decision[0], meta, concert.version)
               for concert, decision, meta in zip(states, decisions, metas, strict=True)
               if decision and decision[0]]
    if not appends:
        return outcome  # nothing to write: no transaction
    with concerts.store.engine.begin() as conn:
        append_decided(concerts.store, conn, appends)
    for d in appends:
        fold_decided(d.concert, d.events)
    concerts.saved(d.concert for d in appends)
    return outcome


def _locate(locator: Locator, concert: Concert) -> tuple[list[DomainEvent], str | None]:
    now = utc_now()
    given = concert.details.get("source_location")
    try:
        if given:
            lat, lon = given["latitude"], given["longitude"]
            zone = locator.timezone_at(lat, lon)
            return decide_geocoded(concert, lat, lon, "source", zone, now), None
        venue = concert.venue
        found = locator.locate(city=venue.get("city"), region=venue.get("region"),
                               country=venue.get("country"), address=venue.get("address"),
                               venue_name=venue.get("name"))
    except Exception as exc:  # noqa: BLE001 - any geocoder failure leaves the step pending
        reason = str(exc) or type(exc).__name__
        return decide_geocoding_failed(concert, reason, now), reason
    return decide_geocoded(concert, found.latitude, found.longitude, found.precision,
                           found.timezone, now, found.country), None
