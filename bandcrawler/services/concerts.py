"""Use cases on concerts: record a source's listing, locate a concert."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from bandcrawler.domain.concert import (
    Concert,
    Listing,
    decide_geocoded,
    decide_geocoding_failed,
    decide_listing,
)
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.identity import concert_id_for, concert_stream, natural_key, source_key
from bandcrawler.store.event_store import ConcurrencyError, EventStore, utc_now
from bandcrawler.store.repository import (
    find_concert_id,
    load_concert,
    remember_keys,
    to_new_events,
)

logger = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 10


@dataclass(frozen=True)
class Recorded:
    concert_id: str
    version: int
    appended: int
    concert: Concert


class Locator(Protocol):
    def locate(self, *, city: str | None = None, region: str | None = None,
               country: str | None = None, address: str | None = None,
               venue_name: str | None = None) -> Any: ...

    def timezone_at(self, latitude: float, longitude: float) -> str | None: ...


def listing_keys(listing: Listing) -> list[str]:
    """Identity keys, strongest first: the source's own id, then the natural key."""
    keys = []
    if listing.source_id:
        keys.append(source_key(listing.source, listing.source_id))
    keys.append(natural_key(listing.band_id, listing.details["local_date"], listing.place))
    return keys


def record_listing(store: EventStore, listing: Listing, meta: dict[str, Any]) -> Recorded:
    """Decide and append what the listing says that is new, with the identity keys, atomically."""
    keys = listing_keys(listing)
    for _attempt in range(MAX_CONFLICT_RETRIES):
        try:
            with store.engine.begin() as conn:
                concert_id = find_concert_id(conn, keys) or concert_id_for(keys[-1])
                concert = load_concert(store, conn, concert_id)
                decided = decide_listing(concert, listing, utc_now())
                _append(store, conn, concert, decided, meta)
                remember_keys(conn, concert_id, keys)
                return Recorded(concert_id, concert.version, len(decided), concert)
        except ConcurrencyError as exc:
            logger.debug("Retrying after a concurrent append: %s", exc)
    raise ConcurrencyError(concert_stream(keys[-1]), -1)


def _append(store: EventStore, conn, concert: Concert, decided: list[DomainEvent],
            meta: dict[str, Any]) -> None:
    """Append and fold the decided events into `concert`, so callers see its new state."""
    if not decided:
        return
    stored = store.append(conn, concert_stream(concert.concert_id),
                          to_new_events(decided, meta), concert.version)
    for event, row in zip(decided, stored, strict=True):
        concert.apply(event, row.version)


@dataclass(frozen=True)
class Located:
    concert: Concert
    error: str | None  # the reason the concert could not be located, if so

    @property
    def done(self) -> bool:
        return self.error is None


def geocode_concert(store: EventStore, locator: Locator, concert_id: str,
                    meta: dict[str, Any]) -> Located:
    """Locate the concert's venue, unless already located; records success or failure."""
    for _attempt in range(MAX_CONFLICT_RETRIES):
        with store.engine.connect() as conn:
            concert = load_concert(store, conn, concert_id)
        if not concert.needs_geocoding():
            return Located(concert, None)
        decided, error = _locate(locator, concert)
        try:
            with store.engine.begin() as conn:
                _append(store, conn, concert, decided, meta)
            return Located(concert, error)
        except ConcurrencyError as exc:
            logger.debug("Retrying geocoding after a concurrent append: %s", exc)
    raise ConcurrencyError(concert_stream(concert_id), -1)


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
