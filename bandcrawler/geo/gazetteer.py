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
