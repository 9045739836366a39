"""The GeoNames places (towns of 500 people and up) that readers of free-text places look names up in."""

from __future__ import annotations

import threading

from bandcrawler.geo.offline import City, OfflineGeocoder, normalize

# Small enough for the villages festivals happen in (Pokolbin, Ferney-Voltaire), and still
# one in-memory index (the offline geocoder's, cached on disk after its first build).
GAZETTEER_MIN_POPULATION = 500
# A name this short is an abbreviation or a word far more often than a town ("Inc", "V").
MIN_NAME_LENGTH = 3
REVERSE_MAX_DISTANCE_KM = 50.0

_lock = threading.Lock()
_geocoder: OfflineGeocoder | None = None


def _gazetteer() -> OfflineGeocoder:
    global _geocoder
    with _lock:
        if _geocoder is None:
            _geocoder = OfflineGeocoder(min_city_population=GAZETTEER_MIN_POPULATION)
        return _geocoder


def find_city(name: str | None, *, country: str | None = None,
              region: str | None = None) -> City | None:
    """The GeoNames town a name means (any of its names, in any language), narrowed by an
    ISO country code and a region (a US state code, …) when given; the most populous wins."""
    if not name or len(normalize(name).replace(" ", "")) < MIN_NAME_LENGTH:
        return None
    found = _gazetteer().candidates({"city": name, "country": country, "state": region})
    return found[0] if found else None


def is_town_in(name: str | None, country: str, region: str | None = None) -> bool:
    """Whether some town of that name lies in `country` (and in `region`, a GeoNames admin1
    code such as a US state's, when given)."""
    if not name or len(normalize(name).replace(" ", "")) < MIN_NAME_LENGTH:
        return False
    return any(city.countrycode == country and region in (None, city.admin1code)
               for city in _gazetteer().candidates(name))


def nearest_city(latitude: float, longitude: float,
                 max_distance_km: float = REVERSE_MAX_DISTANCE_KM) -> City | None:
    """The GeoNames town nearest to a point, within `max_distance_km`."""
    return _gazetteer().nearest_city(latitude, longitude, max_distance_km)


def resolve_town(city: str | None, *, country: str | None = None, region: str | None = None,
                 latitude: float | None = None, longitude: float | None = None) -> City | None:
    """The one GeoNames town a venue is in, however a source names it.

    By name (any language), in the stated country: the namesake nearest to the coordinates
    when they are given (Springfield, IL vs MO), else the most populous. A name the gazetteer
    does not know, or no name, falls back to the town nearest to the coordinates, so that
    venues a few hundred metres apart end in the same town.
    """
    near = latitude is not None and longitude is not None
    if city and len(normalize(city).replace(" ", "")) >= MIN_NAME_LENGTH:
        found = _gazetteer().candidates({"city": city, "country": country, "state": region})
        if found and near:
            nearest = min(found, key=lambda c: _squared(c, latitude, longitude))  # type: ignore[arg-type]
            if _squared(nearest, latitude, longitude) < 0.5 ** 2:  # type: ignore[arg-type]
                return nearest
        elif found:
            return found[0]
    if near:
        return nearest_city(latitude, longitude)  # type: ignore[arg-type]
    return None


def _squared(city: City, latitude: float, longitude: float) -> float:
    return (city.latitude - latitude) ** 2 + (city.longitude - longitude) ** 2
