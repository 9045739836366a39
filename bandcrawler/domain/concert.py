"""The Concert aggregate: its state folded from events, and the decisions on a new listing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bandcrawler.domain import events as ev
from bandcrawler.domain.timing import instant_of, local_at

# What a source says about a concert, compared field by field on every listing.
DETAIL_FIELDS = (
    "title", "local_date", "local_time", "utc_offset", "venue", "source_location", "online",
    "lineup", "url", "ticket_url",
)
# Changing any of these moves the concert: a location found for the old place is void.
PLACE_FIELDS = ("venue", "source_location")


@dataclass(frozen=True)
class Listing:
    """One source's listing of a concert, cleaned and validated."""

    band_id: str
    band: str
    source: str
    source_id: str | None
    status: str
    details: dict[str, Any]

    @property
    def place(self) -> str | None:
        """What names the concert's place in its natural key: city, else venue."""
        venue = self.details.get("venue") or {}
        if self.details.get("online") and not venue.get("city"):
            return "online"
        return venue.get("city") or venue.get("name")


@dataclass
class Concert:
    concert_id: str
    band_id: str = ""
    band: str = ""
    version: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    status: str = "scheduled"
    sources: list[str] = field(default_factory=list)
    location: tuple[float, float] | None = None
    geo_precision: str | None = None
    timezone: str | None = None
    located_country: str | None = None
    geocoding_error: str | None = None
    first_seen: str | None = None
    updated_at: str | None = None

    # -- folding -------------------------------------------------------------------------

    def apply(self, event: ev.DomainEvent, version: int) -> None:
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is None and isinstance(event, ev.ConcertStatusChanged):
            handler = self._on_status
        if handler is None:
            raise ValueError(f"a concert cannot apply {type(event).__name__}")
        handler(event)
        self.version = version
        self.updated_at = event.at  # type: ignore[attr-defined]  # every concert event has it

    def _on_ConcertAnnounced(self, e: ev.ConcertAnnounced) -> None:  # noqa: N802
        self.band_id, self.band, self.details = e.band_id, e.band, dict(e.details)
        self.sources = [e.source]
        self.first_seen = e.at

    def _on_ConcertDetailsChanged(self, e: ev.ConcertDetailsChanged) -> None:  # noqa: N802
        self.details = {**self.details, **e.changes}
        if any(f in e.changes for f in PLACE_FIELDS):
            self.location = self.geo_precision = self.timezone = self.located_country = None

    def _on_ConcertListedBySource(self, e: ev.ConcertListedBySource) -> None:  # noqa: N802
        self.sources = [*self.sources, e.source]

    def _on_status(self, e: ev.ConcertStatusChanged) -> None:
        self.status = e.status

    def _on_ConcertGeocoded(self, e: ev.ConcertGeocoded) -> None:  # noqa: N802
        self.location = (e.latitude, e.longitude)
        self.geo_precision, self.timezone = e.precision, e.timezone
        self.located_country = e.country
        self.geocoding_error = None

    def _on_ConcertGeocodingFailed(self, e: ev.ConcertGeocodingFailed) -> None:  # noqa: N802
        self.geocoding_error = e.reason

    # -- derived state -------------------------------------------------------------------

    @property
    def venue(self) -> dict[str, Any]:
        """The venue as the source gave it; the country found by geocoding fills a gap."""
        venue = self.details.get("venue") or {}
        if not venue.get("country") and self.located_country:
            return {**venue, "country": self.located_country}
        return venue

    @property
    def local_date(self) -> str:
        return self._local()[0]

    @property
    def local_time(self) -> str | None:
        return self._local()[1]

    def _local(self) -> tuple[str, str | None]:
        """Date and time at the venue. A source that gives an offset fixes the instant; in
        the venue's own zone it may fall on another time, or day ("00:30Z" in New York)."""
        d = self.details
        instant = self.starts_at if d.get("utc_offset") else None
        if instant and self.timezone:
            found = local_at(instant, self.timezone)
            if found:
                return found
        return d["local_date"], d.get("local_time")

    @property
    def starts_at(self) -> str | None:
        d = self.details
        return instant_of(d.get("local_date"), d.get("local_time"), d.get("utc_offset"),
                          self.timezone)

    def needs_geocoding(self) -> bool:
        """True while the concert has a place to locate and no location (or zone) for it."""
        if self.location is None:
            return bool(self.details.get("source_location") or self.venue.get("city"))
        return self.timezone is None and self.geocoding_error is None


def replay(concert_id: str, stored: list[tuple[ev.DomainEvent, int]]) -> Concert:
    concert = Concert(concert_id)
    for event, version in stored:
        concert.apply(event, version)
    return concert


# -- decisions -------------------------------------------------------------------------------


def decide_listing(concert: Concert, listing: Listing, now: str) -> list[ev.DomainEvent]:
    """The events that a listing adds to what is known of the concert; none if nothing new."""
    cid = concert.concert_id
    if concert.version == 0:
        decided: list[ev.DomainEvent] = [
            ev.ConcertAnnounced(cid, listing.band_id, listing.band, listing.source,
                                dict(listing.details), now)
        ]
        if listing.status != "scheduled":
            decided.append(ev.STATUS_EVENTS[listing.status](cid, listing.source, now))
        return decided
    decided = []
    if listing.source not in concert.sources:
        decided.append(ev.ConcertListedBySource(cid, listing.source, now))
    changes = {
        name: value
        for name, value in listing.details.items()
        if name in DETAIL_FIELDS and concert.details.get(name) != value
    }
    if changes:
        decided.append(ev.ConcertDetailsChanged(cid, listing.source, changes, now))
    if listing.status != concert.status:
        decided.append(ev.STATUS_EVENTS[listing.status](cid, listing.source, now))
    return decided


def decide_geocoded(concert: Concert, latitude: float, longitude: float, precision: str,
                    timezone: str | None, now: str,
                    country: str | None = None) -> list[ev.DomainEvent]:
    same = (concert.location == (latitude, longitude) and concert.geo_precision == precision
            and concert.timezone == timezone and concert.located_country == country)
    if same:
        return []
    return [ev.ConcertGeocoded(concert.concert_id, latitude, longitude, precision, timezone,
                               now, country)]


def decide_geocoding_failed(concert: Concert, reason: str, now: str) -> list[ev.DomainEvent]:
    """A failure is recorded once per distinct reason, so retries do not grow the stream."""
    if concert.geocoding_error == reason:
        return []
    return [ev.ConcertGeocodingFailed(concert.concert_id, reason, now)]


def listing_from(fields: dict[str, Any]) -> Listing:
    """Build a Listing from a cleaned item's fields."""
    return Listing(
        band_id=fields["band_id"], band=fields["band"], source=fields["source"],
        source_id=fields.get("source_id"), status=fields.get("status") or "scheduled",
        details={k: fields.get(k) for k in DETAIL_FIELDS},
    )
