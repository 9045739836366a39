"""Specifications of venues and coordinates as sources write them: one rule for every source."""

from __future__ import annotations

import pytest

from bandcrawler.extract.places import coordinates, venue_from_text
from bandcrawler.items import VENUE_FIELDS as VENUE_KEYS

NOWHERE = {"latitude": None, "longitude": None}


def test_numbers_in_range_are_the_coordinates():
    assert coordinates(48.8566, 2.3522) == {"latitude": 48.8566, "longitude": 2.3522}
    assert coordinates(-33, 151) == {"latitude": -33.0, "longitude": 151.0}


@pytest.mark.parametrize(("latitude", "longitude"), [
    ("48.8566", "2.3522"),
    (" 48.8566 ", "\t2.3522\n"),
    ("48,8566", "2,3522"),  # a European locale's decimal comma
    (["", None, "48.8566"], [2.3522]),  # a list gives its first non-empty element
])
def test_numeric_strings_and_lists_are_read_as_numbers(latitude, longitude):
    assert coordinates(latitude, longitude) == {"latitude": 48.8566, "longitude": 2.3522}


@pytest.mark.parametrize("written", ["1,234.5", "1,2,3", "48.8,566"])
def test_a_comma_is_a_decimal_comma_only_when_alone_and_without_a_dot(written):
    assert coordinates(written, 2.35) == NOWHERE


@pytest.mark.parametrize(("latitude", "longitude"), [
    (None, 2.35), (48.85, None), ("", ""), ([], []), (True, 2.35), (48.85, False),
    ("north", "2.35"), ({"value": 48.85}, 2.35), ("nan", 2.35), (48.85, float("inf")),
])
def test_missing_boolean_non_numeric_or_non_finite_coordinates_are_none(latitude, longitude):
    assert coordinates(latitude, longitude) == NOWHERE


@pytest.mark.parametrize(("latitude", "longitude"), [(90.5, 2.35), (-91, 2.35), (48.85, 180.1),
                                                     (48.85, -200)])
def test_out_of_range_coordinates_are_none(latitude, longitude):
    assert coordinates(latitude, longitude) == NOWHERE


@pytest.mark.parametrize(("latitude", "longitude"), [(0, 0), ("0", "0"), (0.0, 2.35),
                                                     (48.85, "0"), ("0,0", 13.4)])
def test_an_exact_zero_in_either_coordinate_means_unknown(latitude, longitude):
    assert coordinates(latitude, longitude) == NOWHERE


def test_venue_from_text_fills_every_venue_field_and_no_coordinates():
    assert set(venue_from_text("Paradiso, Amsterdam")) == set(VENUE_KEYS)


@pytest.mark.parametrize(("location", "expected"), [
    ("Paradiso, Amsterdam", {"name": "Paradiso", "city": "Amsterdam"}),
    ("Paradiso", {"name": "Paradiso"}),
    ("Paris, France", {"city": "Paris", "country": "FR"}),
    ("Lido, Berlin, Germany", {"name": "Lido", "city": "Berlin", "country": "DE"}),
    ("Le Bataclan, 50 Bd Voltaire", {"name": "Le Bataclan", "address": "50 Bd Voltaire"}),
    ("The Fillmore, 1805 Geary Blvd", {"name": "The Fillmore", "address": "1805 Geary Blvd"}),
    ("50 Bd Voltaire, 75011 Paris, France",
     {"address": "50 Bd Voltaire", "city": "Paris", "postal_code": "75011", "country": "FR"}),
    ("Musicbox, Rua Nova do Carvalho 24, 1200-019 Lisboa, Portugal",
     {"name": "Musicbox", "address": "Rua Nova do Carvalho 24", "city": "Lisboa",
      "postal_code": "1200-019", "country": "PT"}),
    ("St. Louis Music Park, St. Louis, MO",
     {"name": "St. Louis Music Park", "city": "St. Louis", "region": "MO"}),
])
def test_location_rule(location, expected):
    assert {k[6:]: v for k, v in venue_from_text(location).items() if v} == expected


@pytest.mark.parametrize(("location", "expected"), [
    ("O2 Academy Brixton, 211 Stockwell Rd, London SW9 9SL, UK",
     {"name": "O2 Academy Brixton", "address": "211 Stockwell Rd", "city": "London",
      "postal_code": "SW9 9SL", "country": "GB"}),
    ("Webster Hall, 125 E 11th St, New York, NY 10003, USA",
     {"name": "Webster Hall", "address": "125 E 11th St", "city": "New York", "region": "NY",
      "postal_code": "10003", "country": "US"}),
    ("Paradiso, Weteringschans 6-8, 1017 SG Amsterdam, Netherlands",
     {"name": "Paradiso", "address": "Weteringschans 6-8", "city": "Amsterdam",
      "postal_code": "1017 SG", "country": "NL"}),
])
def test_addresses_as_map_apps_write_them(location, expected):
    assert {k[6:]: v for k, v in venue_from_text(location).items() if v} == expected


def test_a_two_letter_last_part_is_a_region_not_a_country():
    venue = venue_from_text("Stubb's, Austin, TX")
    assert (venue["venue_city"], venue["venue_region"], venue["venue_country"]) == (
        "Austin", "TX", None)


@pytest.mark.parametrize("text", ["", " , ,"])
def test_an_empty_location_gives_no_venue(text):
    assert venue_from_text(text) == dict.fromkeys(VENUE_KEYS)
