"""Specifications of the gazetteer-backed place reader: which parts of a free-text location
are a known town, a country, a region, a postcode; the rest is venue and street."""

from __future__ import annotations

import pytest

from bandcrawler.extract.places import venue_from_text


def read(text: str) -> dict[str, str]:
    return {k[6:]: v for k, v in venue_from_text(text).items() if v}


@pytest.mark.parametrize(("location", "expected"), [
    # A postcode before the town, then the country (a Songkick-style feed).
    ("Roundhouse, Chalk Farm Road, NW1 8EH London, UK",
     {"name": "Roundhouse", "address": "Chalk Farm Road", "city": "London",
      "postal_code": "NW1 8EH", "country": "GB"}),
    # The address in brackets after a company name with a comma in it (Meetup).
    ("Fathom Creative, Inc. (1333 14th Street Northwest, Washington D.C., DC 20005)",
     {"name": "Fathom Creative, Inc.", "address": "1333 14th Street Northwest",
      "city": "Washington D.C.", "region": "DC", "postal_code": "20005"}),
    # A French postcode, and a two-letter country code that is no US state.
    ("Sixt Aéroport secteur France, AP de Genève Cointrin Sect(F), 01210 Ferney-Voltaire, FR",
     {"name": "Sixt Aéroport secteur France", "address": "AP de Genève Cointrin Sect(F)",
      "city": "Ferney-Voltaire", "postal_code": "01210", "country": "FR"}),
    # "City, ST, US": the town is the first part.
    ("Memphis, TN, US", {"city": "Memphis", "region": "TN", "country": "US"}),
    # A Danish street with its number, a postcode and a district letter after the town.
    ("Enghavevej 40, 1674 København V, Denmark",
     {"address": "Enghavevej 40", "city": "København", "postal_code": "1674", "country": "DK"}),
    # A Dutch postcode ("1017 AB") and a local country name.
    ("Melkweg, Lijnbaansgracht 234A, 1017 PH Amsterdam, Nederland",
     {"name": "Melkweg", "address": "Lijnbaansgracht 234A", "city": "Amsterdam",
      "postal_code": "1017 PH", "country": "NL"}),
    # German and Austrian forms: local town and country names.
    ("Arena Wien, Baumgasse 80, 1030 Wien, Österreich",
     {"name": "Arena Wien", "address": "Baumgasse 80", "city": "Wien", "postal_code": "1030",
      "country": "AT"}),
    ("E-Werk, Schanzenstraße 37, 51063 Köln, Deutschland",
     {"name": "E-Werk", "address": "Schanzenstraße 37", "city": "Köln",
      "postal_code": "51063", "country": "DE"}),
    # A ZIP code after the state.
    ("9:30 Club, 815 V St NW, Washington, DC 20001, USA",
     {"name": "9:30 Club", "address": "815 V St NW", "city": "Washington", "region": "DC",
      "postal_code": "20001", "country": "US"}),
    # Postcodes after the town with a state before them, Japanese postcodes, country prefixes.
    ("Hordern Pavilion, 1 Driver Ave, Moore Park NSW 2021, Australia",
     {"name": "Hordern Pavilion", "address": "1 Driver Ave", "city": "Moore Park",
      "region": "NSW", "postal_code": "2021", "country": "AU"}),
    ("Tokyo Dome, 1-3-61 Koraku, Bunkyo City, Tokyo 112-0004, Japan",
     {"name": "Tokyo Dome", "address": "1-3-61 Koraku, Bunkyo City", "city": "Tokyo",
      "postal_code": "112-0004", "country": "JP"}),
    ("Store Vega, Enghavevej 40, DK-1674 København V",
     {"name": "Store Vega", "address": "Enghavevej 40", "city": "København",
      "postal_code": "1674"}),
    # A state's name, even one that is also a country's.
    ("The Tabernacle, Atlanta, Georgia", {"name": "The Tabernacle", "city": "Atlanta",
                                          "region": "GA"}),
    ("Tbilisi Concert Hall, Tbilisi, Georgia", {"name": "Tbilisi Concert Hall",
                                                "city": "Tbilisi", "country": "GE"}),
])
def test_the_town_is_found_by_name_whatever_stands_around_it(location, expected):
    assert read(location) == expected


def test_an_address_over_several_lines_is_read_like_one_with_commas():
    assert read("Vega\nEnghavevej 40\n1674 København V\nDenmark") == {
        "name": "Vega", "address": "Enghavevej 40", "city": "København", "postal_code": "1674",
        "country": "DK"}


def test_a_postcode_marks_the_town_even_when_the_gazetteer_does_not_know_it():
    assert read("Roadstar 16, 12764 Happyville, Denmark") == {
        "address": "Roadstar 16", "city": "Happyville", "postal_code": "12764", "country": "DK"}


@pytest.mark.parametrize(("location", "region", "country"), [
    ("Lido, Dover, DE", "DE", None),  # Dover, Delaware: DE is the state
    ("Zeche, Köln, DE", None, "DE"),  # Köln is in Germany: DE is the country
    ("Rogers Centre, Toronto, CA", None, "CA"),  # a Canadian town: CA is Canada
    ("Whisky a Go Go, Los Angeles, CA", "CA", None),  # California
])
def test_a_two_letter_code_is_a_state_or_a_country_as_the_town_before_it_says(
        location, region, country):
    venue = venue_from_text(location)
    assert (venue["venue_region"], venue["venue_country"]) == (region, country)
