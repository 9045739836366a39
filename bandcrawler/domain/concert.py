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
    # The canonical town ("geonames:<id>") the venue resolved to, if any: identity only,
    # not a detail the source said.
    place_key: str | None = None

    @property
    def place(self) -> str | None:
        """What names the concert's place in its natural key: city, else venue."""
        venue = self.details.get("venue") or {}
        if self.details.get("online") and not venue.get("city"):
            return "online"
        return venue.get("city") or venue.get("name")


# Which source's word counts when sources disagree on a field: the band's own website first,
# then its own feed, then the tour-date API, then the community database.
SOURCE_PRIORITY = ("jsonld", "ical", "bandsintown", "musicbrainz")


# The events that change what the sources say (the listings): only they change `details`.
_LISTING_EVENTS = (ev.ConcertAnnounced, ev.ConcertListedBySource, ev.ConcertDetailsChanged,
                   ev.ConcertUnlisted)
_EMPTY: tuple[Any, ...] = (None, "", [], {})  # a field a source gives with no value


def _given(value: Any) -> Any:
    return None if value in _EMPTY else value


def _rank(source: str) -> int:
    return SOURCE_PRIORITY.index(source) if source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)


@dataclass
class Concert:
    """What every source said of one concert, and the merged picture users see.

    Each source's listing is kept apart (`listings`, `statuses`), so a re-crawl of one source
    is compared with what that source said before, never with another source's word.
    """

    concert_id: str
    band_id: str = ""
    band: str = ""
    version: int = 0
    listings: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    unlisted: set[str] = field(default_factory=set)
    location: tuple[float, float] | None = None
    geo_precision: str | None = None
    timezone: str | None = None
    located_country: str | None = None
    geocoding_error: str | None = None
    first_seen: str | None = None
    updated_at: str | None = None
    # The merged details of the current version, computed on first use: every derived
    # property reads them, and they only change when an event is applied.
    _details: dict[str, Any] | None = field(default=None, init=False, repr=False,
                                            compare=False)
    _timing: tuple[str | None, tuple[str, str | None]] | None = field(
        default=None, init=False, repr=False, compare=False)  # likewise, see _times

    # -- folding -------------------------------------------------------------------------

    def apply(self, event: ev.DomainEvent, version: int) -> None:
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is None and isinstance(event, ev.ConcertStatusChanged):
            handler = self._on_status
        if handler is None:
            raise ValueError(f"a concert cannot apply {type(event).__name__}")
        if isinstance(event, _LISTING_EVENTS):  # what the sources say changes
            place_before = self._place()
            handler(event)
            self._details = None
            if self._place() != place_before:  # moved: a location found for the old place is void
                self.location = self.geo_precision = self.timezone = None
                self.located_country = None
        else:
            handler(event)
        self._timing = None
        self.version = version
        self.updated_at = event.at  # type: ignore[attr-defined]  # every concert event has it

    def _on_ConcertAnnounced(self, e: ev.ConcertAnnounced) -> None:  # noqa: N802
        self.band_id, self.band = e.band_id, e.band
        self.listings[e.source] = dict(e.details)
        self.first_seen = e.at

    def _on_ConcertListedBySource(self, e: ev.ConcertListedBySource) -> None:  # noqa: N802
        self.listings[e.source] = dict(e.details)
        self.unlisted.discard(e.source)

    def _on_ConcertDetailsChanged(self, e: ev.ConcertDetailsChanged) -> None:  # noqa: N802
        self.listings[e.source] = {**self.listings.get(e.source, {}), **e.changes}

    def _on_ConcertUnlisted(self, e: ev.ConcertUnlisted) -> None:  # noqa: N802
        self.unlisted.add(e.source)

    def _on_status(self, e: ev.ConcertStatusChanged) -> None:
        self.statuses[e.source] = e.status

    def _on_ConcertGeocoded(self, e: ev.ConcertGeocoded) -> None:  # noqa: N802
        self.location = (e.latitude, e.longitude)
        self.geo_precision, self.timezone = e.precision, e.timezone
        self.located_country = e.country
        self.geocoding_error = None

    def _on_ConcertGeocodingFailed(self, e: ev.ConcertGeocodingFailed) -> None:  # noqa: N802
        self.geocoding_error = e.reason

    def copy(self) -> Concert:
        """An independent copy: applying events to one never changes the other."""
        twin = object.__new__(Concert)
        twin.__dict__.update(self.__dict__)
        twin.listings, twin.statuses = dict(self.listings), dict(self.statuses)
        twin.unlisted = set(self.unlisted)
        return twin

    # -- the merged picture ------------------------------------------------------------------

    @property
    def sources(self) -> list[str]:
        """Every source that has listed the concert, best first."""
        return sorted(self.listings, key=_rank)

    @property
    def listed(self) -> bool:
        """False once every source that listed the concert has stopped listing it."""
        return any(source not in self.unlisted for source in self.listings)

    def _voices(self) -> list[str]:
        """The sources whose word counts: those listing it now (else all), best first."""
        current = [s for s in self.sources if s not in self.unlisted]
        return current or self.sources

    @property
    def details(self) -> dict[str, Any]:
        """Each field from the best source that gives it; a venue counts as one field.

        Read-only: the same dict serves every read until the next event is applied.
        """
        if self._details is None:
            self._details = self._merged_details()
        return self._details

    def _merged_details(self) -> dict[str, Any]:
        voices = [self.listings[s] for s in self._voices()]
        if len(voices) == 1:  # the common case: one source, nothing to merge
            listing = voices[0]
            merged = {name: _given(listing.get(name)) for name in DETAIL_FIELDS}
            if not listing.get("local_date"):
                merged.update(local_date=None, local_time=None, utc_offset=None)
            else:
                merged.update(local_date=listing.get("local_date"),
                              local_time=listing.get("local_time"),
                              utc_offset=listing.get("utc_offset"))
            return merged
        merged = {}
        for name in DETAIL_FIELDS:
            values = [listing.get(name) for listing in voices]
            if name == "venue" and len(values) > 1:
                values.sort(key=lambda v: not (v or {}).get("city"))
            merged[name] = next((v for v in values if v not in _EMPTY), None)
        # Date and time belong together: take them from one source.
        timed = next((listing for listing in voices if listing.get("local_date")), {})
        for name in ("local_date", "local_time", "utc_offset"):
            merged[name] = timed.get(name)
        return merged

    @property
    def status(self) -> str:
        """A cancellation from any source counts; otherwise the best source's word."""
        said = [self.statuses.get(s, "scheduled") for s in self._voices()]
        if "cancelled" in said:
            return "cancelled"
        return said[0] if said else "scheduled"

    def _place(self) -> tuple[Any, Any]:
        details = self.details if self.listings else {}
        return details.get("venue"), details.get("source_location")

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
        return self._times()[1][0]

    @property
    def local_time(self) -> str | None:
        return self._times()[1][1]

    @property
    def starts_at(self) -> str | None:
        return self._times()[0]

    def _times(self) -> tuple[str | None, tuple[str, str | None]]:
        """The instant, and the date and time at the venue. A source that gives an offset
        fixes the instant; in the venue's own zone it may fall on another time, or day
        ("00:30Z" in New York). Computed once per version."""
        if self._timing is None:
            d = self.details
            instant = instant_of(d.get("local_date"), d.get("local_time"), d.get("utc_offset"),
                                 self.timezone)
            local = (d["local_date"], d.get("local_time"))
            if instant and d.get("utc_offset") and self.timezone:
                local = local_at(instant, self.timezone) or local
            self._timing = (instant, local)
        return self._timing

    def has_place(self) -> bool:
        """Whether the sources said where it is: a city or an address. A venue's name alone
        ("Secret Warehouse Location", a country at most) is no place to locate."""
        venue = self.venue
        return bool(venue.get("city") or venue.get("address"))

    def needs_geocoding(self) -> bool:
        """True while the concert has a place to locate and no location (or zone) for it."""
        if self.location is None:
            # A city, but also an address without one: a place the geocoder cannot locate
            # stays pending with the reason, never "done".
            return bool(self.details.get("source_location") or self.has_place())
        return self.timezone is None and self.geocoding_error is None


def replay(concert_id: str, stored: list[tuple[ev.DomainEvent, int]]) -> Concert:
    concert = Concert(concert_id)
    for event, version in stored:
        concert.apply(event, version)
    return concert


# -- decisions -------------------------------------------------------------------------------


def decide_listing(concert: Concert, listing: Listing, now: str) -> list[ev.DomainEvent]:
    """What a source's listing adds to what that source said before; nothing if nothing new."""
    cid, source = concert.concert_id, listing.source
    details = {name: listing.details.get(name) for name in DETAIL_FIELDS}
    decided: list[ev.DomainEvent] = []
    if concert.version == 0:
        decided.append(ev.ConcertAnnounced(cid, listing.band_id, listing.band, source, details,
                                           now))
    elif source not in concert.listings or source in concert.unlisted:
        decided.append(ev.ConcertListedBySource(cid, source, details, now))
    else:
        said = concert.listings[source]
        changes = {name: value for name, value in details.items() if said.get(name) != value}
        if changes:
            decided.append(ev.ConcertDetailsChanged(cid, source, changes, now))
    if listing.status != concert.statuses.get(source, "scheduled"):
        decided.append(ev.STATUS_EVENTS[listing.status](cid, source, now))
    return decided


def decide_unlisted(concert: Concert, source: str, today: str,
                    now: str) -> list[ev.DomainEvent]:
    """A source's complete listing no longer holds this upcoming concert: say so, once.

    Past concerts drop off listings as a matter of course; they are left alone.
    """
    listed_by_source = source in concert.listings and source not in concert.unlisted
    if not listed_by_source or concert.local_date < today:
        return []
    return [ev.ConcertUnlisted(concert.concert_id, source, now)]


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
        place_key=fields.get("place_key"),
    )
