"""The geocoding service the pipelines and CLI call: query building, cache, rate limit, errors."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any

import pycountry
from geopy.exc import (
    GeocoderParseError,
    GeocoderQuotaExceeded,
    GeocoderServiceError,
    GeocoderTimedOut,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from sqlalchemy import Engine

from bandcrawler.geo.cache import DEFAULT_MISS_TTL_SECONDS, GeocodeCache
from bandcrawler.geo.factory import OFFLINE, make_geocoder
from bandcrawler.geo.model import GeocodingError, GeoResult
from bandcrawler.geo.offline import OfflineGeocoder

__all__ = ["GeoResult", "GeocodingError", "VenueLocator", "make_locator"]

logger = logging.getLogger(__name__)

# Result types (Nominatim type/addresstype/class, Photon osm_value/type, Pelias layer) that
# name an area rather than a building: such an answer to an address query is city-level.
AREA_TYPES = frozenset({
    "administrative", "borough", "boundary", "city", "continent", "country", "county",
    "district", "hamlet", "island", "locality", "localadmin", "macrocounty", "macroregion",
    "municipality", "neighbourhood", "postcode", "region", "state", "suburb",
    "town", "village",
})

Query = tuple[str, "str | Mapping[str, str | None]", bool]  # (cache key, request, detailed)


class VenueLocator:
    """Turns a venue (or free text) into a GeoResult, or raises GeocodingError.

    Online geocoders are called through geopy's RateLimiter (no retries: the saga retries
    later), the offline one directly. Not thread-safe: call it from one thread at a time.
    """

    def __init__(self, geocoder: Geocoder, *, provider: str, cache: GeocodeCache | None,
                 min_delay_seconds: float = 1.0, offline: OfflineGeocoder) -> None:
        self.geocoder = geocoder
        self.provider = provider
        self.cache = cache
        self.offline = offline
        self.is_offline = isinstance(geocoder, OfflineGeocoder)
        self._geocode: Callable[..., Any] = geocoder.geocode
        if not self.is_offline:
            self._geocode = RateLimiter(geocoder.geocode, min_delay_seconds=min_delay_seconds,
                                        max_retries=0, swallow_exceptions=False)

    def locate(self, *, city: str | None = None, region: str | None = None,
               country: str | None = None, address: str | None = None,
               venue_name: str | None = None) -> GeoResult:
        """Locate a venue: the fullest query first, then its city."""
        queries = self._venue_queries(city, region, country, address, venue_name)
        if not queries:
            place = _clean(address) or _clean(venue_name)
            raise GeocodingError("not_found", f"no city in {place!r} (this geocoder locates "
                                 "cities)" if place else "nothing to locate: no city, address "
                                 "or venue")
        return self._first_found(queries)

    def locate_place(self, text: str) -> GeoResult:
        """Locate free text a user typed ("Paris", "Berlin, Germany"), city-level."""
        text = " ".join(text.split())
        if not text:
            raise GeocodingError("not_found", "nothing to locate: empty place")
        return self._first_found([(text, text, False)])

    def timezone_at(self, latitude: float, longitude: float) -> str | None:
        """IANA zone at a point (nearest GeoNames city within 300 km), else None."""
        return self.offline.timezone_at(latitude, longitude)

    def _venue_queries(self, city: str | None, region: str | None, country: str | None,
                       address: str | None, venue_name: str | None) -> list[Query]:
        city, region, country = _clean(city), _clean(region), _clean(country)
        queries: list[Query] = []
        if self.is_offline:
            if city:
                key = _join(city, region, country)
                queries.append((key, {"city": city, "state": region, "country": country}, False))
            return queries
        # Free-text services read country names better than codes; an address is a better
        # query than a venue name, which often misleads them.
        area = [city, region, _country_name(country)]
        place = _clean(address) or _clean(venue_name)
        if place:
            rest = [p for p in area if p and p.casefold() not in place.casefold()]
            detailed = _join(place, *rest)
            queries.append((detailed, detailed, True))
        if city:
            plain = _join(*area)
            queries.append((plain, plain, False))
        return queries

    def _first_found(self, queries: list[Query]) -> GeoResult:
        for key, request, detailed in queries:
            result = self._lookup(key, request, detailed)
            if result is not None:
                return result
        tried = " or ".join(repr(key) for key, _, _ in queries)
        raise GeocodingError("not_found", f"no match for {tried}")

    def _lookup(self, key: str, request: str | Mapping[str, str | None],
                detailed: bool) -> GeoResult | None:
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return cached.result
        if self.is_offline:  # straight to the GeoNames cities, without geopy's Location
            cities = self.geocoder.candidates(request)  # type: ignore[attr-defined]
            return GeoResult(cities[0].latitude, cities[0].longitude, "city",
                             cities[0].timezone or None,
                             cities[0].countrycode or None) if cities else None
        location = self._call(key, request)
        result = self._result(key, location, detailed) if location is not None else None
        if self.cache is not None:
            self.cache.put(key, result)
        return result

    def _call(self, key: str, request: str | Mapping[str, str | None]) -> Location | None:
        logger.debug("geocoding %r with %s", key, self.provider)
        try:
            location = self._geocode(request)
        except GeocoderServiceError as exc:
            raise self._error(_reason_for(exc), key, exc) from exc
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise self._error("bad_answer", key, exc) from exc  # an answer it could not read
        if location is not None and not isinstance(location, Location):
            raise self._error("bad_answer", key, f"unexpected answer {location!r:.200}")
        return location

    def _error(self, reason: str, key: str, exc: object) -> GeocodingError:
        retry_after = getattr(exc, "retry_after", None)
        return GeocodingError(reason, f"{self.provider} for {key!r}: {exc}",
                              retry_after=retry_after)

    def _result(self, key: str, location: Location, detailed: bool) -> GeoResult:
        latitude, longitude = location.latitude, location.longitude
        if not (math.isfinite(latitude) and math.isfinite(longitude)
                and -90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise self._error("bad_answer", key, f"impossible point {latitude}, {longitude}")
        raw = location.raw if isinstance(location.raw, Mapping) else {}
        if self.is_offline:
            return GeoResult(latitude, longitude, "city", raw.get("timezone") or None,
                             raw.get("countrycode") or None)
        nearest = self.offline.nearest_city(latitude, longitude)
        precision = "venue" if detailed and not _is_area(raw) else "city"
        country = _country_of(raw) or (nearest.countrycode if nearest else None)
        timezone = (nearest.timezone or None) if nearest else None
        return GeoResult(latitude, longitude, precision, timezone, country)


def _reason_for(exc: GeocoderServiceError) -> str:
    """The failure slug: by HTTP status when there was one (geopy calls a 503 a timeout),
    else by geopy's exception class."""
    status = getattr(exc.__cause__, "status_code", None)
    if status == 429:
        return "rate_limited"
    if status in (408, 504):
        return "timeout"
    if isinstance(status, int) and status >= 500:
        return "unavailable"
    if isinstance(exc, GeocoderTimedOut):
        return "timeout"
    if isinstance(exc, GeocoderQuotaExceeded):  # GeocoderRateLimited is a subclass
        return "rate_limited"
    if isinstance(exc, GeocoderParseError):
        return "bad_answer"
    return "unavailable"  # GeocoderUnavailable, refused credentials, other HTTP errors


def make_locator(*, geocoder: str, options: Mapping[str, Any], user_agent: str,
                 min_delay_seconds: float, engine: Engine | None,
                 miss_ttl_seconds: float = DEFAULT_MISS_TTL_SECONDS) -> VenueLocator:
    """Wire a VenueLocator from settings values.

    The offline geocoder gets no cache (a lookup in memory is faster than one in SQLite);
    an online one is cached per service and domain, e.g. "nominatim@127.0.0.1:8080", its
    "not found" answers for `miss_ttl_seconds`.
    """
    options = dict(options)
    service = make_geocoder(geocoder, options, user_agent)
    if isinstance(service, OfflineGeocoder):
        return VenueLocator(service, provider=OFFLINE, cache=None, offline=service)
    provider = geocoder.strip().lower()
    if options.get("domain"):
        provider = f"{provider}@{options['domain']}"
    cache = (GeocodeCache(engine, provider, miss_ttl_seconds=miss_ttl_seconds)
             if engine is not None else None)
    return VenueLocator(service, provider=provider, cache=cache,
                        min_delay_seconds=min_delay_seconds, offline=OfflineGeocoder())


def _clean(value: str | None) -> str | None:
    return (" ".join(value.split()) or None) if value else None


def _join(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


def _country_name(country: str | None) -> str | None:
    """"FR" -> "France"; anything that is not a known alpha-2 code stays as it is."""
    if country and len(country) == 2:
        found = pycountry.countries.get(alpha_2=country.upper())
        if found is not None:
            return getattr(found, "common_name", None) or found.name
    return country


def _is_area(raw: Mapping[str, Any]) -> bool:
    properties = raw.get("properties")
    places = [raw, properties] if isinstance(properties, Mapping) else [raw]
    return any(
        str(place.get(field, "")).lower() in AREA_TYPES
        for place in places
        for field in ("type", "addresstype", "class", "osm_value", "layer")
    )


def _country_of(raw: Mapping[str, Any]) -> str | None:
    """The ISO2 country in a Nominatim (address.country_code) or Photon answer, if any."""
    for holder, field in (("address", "country_code"), ("properties", "countrycode")):
        place = raw.get(holder)
        code = place.get(field) if isinstance(place, Mapping) else None
        if isinstance(code, str) and len(code) == 2:
            return code.upper()
    return None
