"""The GeoNames towns (500 people and up) that place readers look names and points up in."""

from __future__ import annotations

import functools
import math
import threading

from bandcrawler.geo.offline import City, OfflineGeocoder, _wrap_col, normalize

# Small enough for the villages festivals happen in (Pokolbin, Ferney-Voltaire), and still
# one in-memory index (the offline geocoder's, cached on disk after its first build).
GAZETTEER_MIN_POPULATION = 500
# A name this short is an abbreviation or a word far more often than a town ("Inc", "V").
MIN_NAME_LENGTH = 3
REVERSE_MAX_DISTANCE_KM = 50.0
_CELL = 0.5  # degrees: the offline geocoder's grid cells
_KM_PER_DEGREE = 111.19

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


@functools.lru_cache(maxsize=65536)  # a crawl names the same few hundred towns again and again
def resolve_town(city: str | None, *, country: str | None = None, region: str | None = None,
                 latitude: float | None = None, longitude: float | None = None) -> City | None:
    """The one GeoNames town a venue is in, however a source names it.

    By name (any language), in the stated country: the namesake nearest to the coordinates
    when they are given (Springfield, IL vs MO), else the most populous. A name the gazetteer
    does not know, or no name, falls back to the town nearest to the coordinates, so that
    venues a few hundred metres apart end in the same town. A town inside a bigger one's
    reach (a borough, a district: Brooklyn, Neuehrenfeld) stands for that bigger one, so a
    name and a point in the same city agree.
    """
    town = _named_or_near(city, country, region, latitude, longitude)
    return town_at(town.latitude, town.longitude) or town if town else None


def _named_or_near(city: str | None, country: str | None, region: str | None,
                   latitude: float | None, longitude: float | None) -> City | None:
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
        return town_at(latitude, longitude)  # type: ignore[arg-type]
    return None


def town_at(latitude: float, longitude: float) -> City | None:
    """The town a point lies in: the most populous one whose reach covers it (a city's
    districts are GeoNames places of their own: a venue in Köln-Ehrenfeld is in Köln), else
    the nearest place within REVERSE_MAX_DISTANCE_KM."""
    grid = _gazetteer()._index.grid
    row, col = math.floor(latitude / _CELL), math.floor(longitude / _CELL)
    best: City | None = None
    for r in range(row - 1, row + 2):
        for c in range(col - 1, col + 2):
            for city in grid.get((r, _wrap_col(c)), ()):
                if (best is None or city.population > best.population) and \
                        _km(city, latitude, longitude) <= _reach_km(city.population):
                    best = city
    return best or nearest_city(latitude, longitude)


def _reach_km(population: int) -> float:
    """How far from its point a town of that size reaches: 2 km for a village, 12 km for a
    city of a million, 30 km for one of eight million."""
    return 2.0 + math.sqrt(population) / 100


def _km(city: City, latitude: float, longitude: float) -> float:
    dy = (city.latitude - latitude) * _KM_PER_DEGREE
    dx = (city.longitude - longitude) * _KM_PER_DEGREE * math.cos(math.radians(latitude))
    return math.hypot(dx, dy)


def _squared(city: City, latitude: float, longitude: float) -> float:
    return (city.latitude - latitude) ** 2 + (city.longitude - longitude) ** 2
