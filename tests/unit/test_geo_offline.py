"""The offline GeoNames geocoder: city-level answers with no network."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic
from geopy.geocoders.base import Geocoder

from bandcrawler.geo.offline import OfflineGeocoder, normalize


@pytest.fixture(scope="module")
def geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()


@pytest.mark.parametrize(
    ("query", "true_point"),
    [
        ("Paris", (48.8566, 2.3522)),
        ("Berlin", (52.5200, 13.4050)),
        ("München", (48.1374, 11.5755)),
        ("Munich", (48.1374, 11.5755)),
        ("Zürich", (47.3769, 8.5417)),
        ("ZURICH", (47.3769, 8.5417)),
        ("New York", (40.7128, -74.0060)),
        ("New York City", (40.7128, -74.0060)),
        ("São Paulo", (-23.5505, -46.6333)),
        ("Sao Paulo", (-23.5505, -46.6333)),
        ("Tokyo", (35.6762, 139.6503)),
        ("Springfield, IL", (39.7817, -89.6501)),
        ("London, CA", (42.9849, -81.2453)),
        ("Portland, OR", (45.5152, -122.6784)),
        ("Portland, ME", (43.6591, -70.2568)),
        ("Lyon, France", (45.7640, 4.8357)),
    ],
)
def test_known_cities_land_within_25_km_of_their_true_place(geocoder, query, true_point):
    location = geocoder.geocode(query)

    assert location is not None
    assert geodesic(location.point[:2], true_point).km < 25


def test_is_a_geopy_geocoder_and_answers_with_a_location_and_raw_geonames_record(geocoder):
    location = geocoder.geocode("Berlin, DE")

    assert isinstance(geocoder, Geocoder)
    assert location.address == "Berlin, Germany"
    assert location.raw["countrycode"] == "DE"
    assert location.raw["timezone"] == "Europe/Berlin"
    assert set(location.raw) >= {
        "geonameid", "name", "countrycode", "admin1code", "population", "timezone"}


def test_the_most_populous_city_of_a_name_wins(geocoder):
    assert geocoder.geocode("Paris").raw["countrycode"] == "FR"
    assert geocoder.geocode("London").raw["countrycode"] == "GB"
    assert geocoder.geocode("Portland").raw["admin1code"] == "OR"


def test_a_country_narrows_the_choice(geocoder):
    paris_us = geocoder.geocode("Paris, US")
    assert (paris_us.raw["countrycode"], paris_us.raw["admin1code"]) == ("US", "TX")
    assert geocoder.geocode("London, CA").raw["timezone"] == "America/Toronto"
    assert geocoder.geocode("Paris", country_codes=["us"]).raw["admin1code"] == "TX"
    assert geocoder.geocode("Paris, Germany") is None


def test_a_region_after_the_city_picks_between_namesakes(geocoder):
    assert geocoder.geocode("Portland, OR").raw["timezone"] == "America/Los_Angeles"
    assert geocoder.geocode("Portland, ME").raw["timezone"] == "America/New_York"
    assert geocoder.geocode("Springfield, IL, US").raw["admin1code"] == "IL"
    assert geocoder.geocode("Athens, Georgia").raw["countrycode"] == "US"
    assert geocoder.geocode("London, Ontario").raw["countrycode"] == "CA"


def test_accents_case_and_punctuation_do_not_matter(geocoder):
    assert normalize("  Zürich ") == normalize("ZURICH") == "zurich"
    assert normalize("Washington, D.C.") == "washington dc"
    assert geocoder.geocode("washington, d.c.").raw["admin1code"] == "DC"
    assert geocoder.geocode("Winston Salem").raw["name"] == "Winston-Salem"


def test_a_dict_query_names_city_state_and_country(geocoder):
    by_code = geocoder.geocode({"city": "Springfield", "state": "IL", "country": "US"})
    by_name = geocoder.geocode({"city": "Springfield", "state": "Illinois",
                                "country": "United States"})
    london = geocoder.geocode({"city": "London", "country": "Canada"})

    assert by_code.raw["geonameid"] == by_name.raw["geonameid"]
    assert by_code.raw["admin1code"] == "IL"
    assert london.raw["countrycode"] == "CA"


def test_an_own_name_beats_a_bigger_city_s_alias(geocoder):
    # "Victoria" is also a name of Hong Kong, and "Islamabad" an alias of Chattogram.
    assert geocoder.geocode("Islamabad").raw["countrycode"] == "PK"
    assert geocoder.geocode("Victoria, CA").raw["name"] == "Victoria"
    # ...unless the alias is of a far bigger city, as people mean it.
    assert geocoder.geocode("Mexico").raw["name"] == "Mexico City"


def test_unknown_places_give_none(geocoder):
    assert geocoder.geocode("zzzz") is None
    assert geocoder.geocode("Atlantis, ZZ") is None  # an unknown code filters everything out
    assert geocoder.geocode("") is None
    assert geocoder.geocode({"city": None, "country": "FR"}) is None


def test_exactly_one_false_lists_the_candidates_best_first(geocoder):
    # Cities of that very name by population, then those that only have it as an alias.
    locations = geocoder.geocode("Springfield", exactly_one=False)

    namesakes = [loc.raw["population"] for loc in locations if loc.raw["name"] == "Springfield"]
    assert len(namesakes) > 3
    assert namesakes == sorted(namesakes, reverse=True)
    assert {location.raw["admin1code"] for location in locations} >= {"IL", "MA", "MO"}


def test_timezone_at_is_the_zone_of_the_nearest_city(geocoder):
    assert geocoder.timezone_at(48.85, 2.35) == "Europe/Paris"
    assert geocoder.timezone_at(40.71, -74.0) == "America/New_York"
    assert geocoder.timezone_at(-33.87, 151.21) == "Australia/Sydney"
    assert geocoder.timezone_at(64.15, -21.94) == "Atlantic/Reykjavik"


def test_timezone_at_far_from_any_city_is_none(geocoder):
    assert geocoder.timezone_at(10.0, -140.0) is None  # the middle of the Pacific
    assert geocoder.timezone_at(-89.0, 0.0) is None  # the South Pole


def test_timezone_at_works_across_the_antimeridian(geocoder):
    # Suva (Fiji) is at 178.4 E; a point just west of 180 must still find it.
    assert geocoder.timezone_at(-18.1, 179.9) == "Pacific/Fiji"


@pytest.mark.parametrize("query", [
    {"city": "Berlin", "state": "BE", "country": "DE"},  # ISO 3166-2 suffix; GeoNames' BE is Bern
    "Berlin, BE, Germany",
    {"city": "Tokyo", "state": "13", "country": "JP"},
])
def test_a_region_code_from_another_code_system_does_not_hide_the_city(geocoder, query):
    found = geocoder.geocode(query)
    assert found is not None and found.raw["countrycode"] == query_country(query)


def query_country(query) -> str:
    return "JP" if "Tokyo" in str(query) else "DE"
