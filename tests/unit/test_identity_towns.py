"""Specifications of the identity rule of issue 12: the same band on the same local date at
the venue, in the same canonical town (or within 1 km), is one concert."""

from __future__ import annotations

import pytest

from bandcrawler.domain.concert import listing_from
from bandcrawler.domain.identity import PlacedConcert, concert_id_for, natural_key, same_concerts
from bandcrawler.services.concerts import listing_keys
from bandcrawler.services.validation import clean_item


def cleaned(**changes):
    item = {"band_id": "the-lantern-choir", "band": "The Lantern Choir", "source": "ical",
            "source_id": "tlc-wien@kalender.example", "local_date": "2031-03-14",
            "local_time": "20:00", "utc_offset": "+01:00", "venue_name": "Arena Wien",
            "venue_city": "Wien", "venue_country": "AT"}
    return clean_item({**item, **changes})


@pytest.mark.parametrize(("city", "country"), [("Wien", "AT"), ("Vienna", None),
                                               ("Vienne", "AT"), ("WIEN", "Österreich")])
def test_a_town_named_in_any_language_has_one_place_key(city, country):
    assert cleaned(venue_city=city, venue_country=country)["place_key"] == "geonames:2761369"


def test_a_district_or_the_coordinates_alone_stand_for_the_town():
    by_point = cleaned(venue_city=None, venue_country=None, latitude=50.9498, longitude=6.9165)
    assert by_point["place_key"] == cleaned(venue_city="Köln", venue_country="DE")["place_key"]


def test_a_utc_instant_from_a_feed_is_moved_to_the_venue_local_date_and_time():
    late = cleaned(venue_city="München", venue_country="DE", local_date="2031-03-14",
                   local_time="23:30", utc_offset="+00:00")
    assert (late["local_date"], late["local_time"], late["utc_offset"]) == (
        "2031-03-15", "00:30", "+01:00")


def test_a_web_page_offset_is_kept_as_written():
    # Songkick writes "+0000" for Swiss venues: a wrong offset, not a UTC instant.
    page = cleaned(source="jsonld", venue_city="Zürich", venue_country="CH",
                   local_time="20:00", utc_offset="+00:00")
    assert (page["local_date"], page["local_time"], page["utc_offset"]) == (
        "2031-03-14", "20:00", "+00:00")


def test_coordinates_without_a_country_give_the_country():
    venue = cleaned(venue_city=None, venue_country=None, latitude=55.6681, longitude=12.5345)
    assert venue["venue"]["country"] == "DK"


def test_the_town_key_joins_the_written_key_and_a_new_concert_keeps_the_id_it_had_before():
    listing = listing_from(cleaned())
    keys = listing_keys(listing)
    assert keys == ["src:ical:tlc-wien@kalender.example",
                    "nat:the-lantern-choir:2031-03-14:geonames:2761369",
                    natural_key("the-lantern-choir", "2031-03-14", "Wien")]
    # The id a new concert gets is the hash of the key as written, as before issue 12.
    assert concert_id_for(keys[-1]) == concert_id_for("nat:the-lantern-choir:2031-03-14:wien")


def test_listings_in_two_languages_share_their_town_key():
    wien = listing_keys(listing_from(cleaned()))
    vienna = listing_keys(listing_from(cleaned(source="bandsintown", source_id="2031314",
                                               venue_city="Vienna", venue_country="Austria")))
    assert wien[1] == vienna[1] and wien[-1] != vienna[-1]


def placed(cid, band="b", date="2031-03-14", town=None, lat=None, lon=None):
    return PlacedConcert(cid, band, date, town, lat, lon)


def test_same_concerts_are_the_same_band_night_and_town_or_venues_within_a_kilometre():
    groups = same_concerts([
        placed("a", town="geonames:1"), placed("b", town="geonames:1"),
        placed("c", town="geonames:1", date="2031-03-15"),  # another night
        placed("d", band="other", town="geonames:1"),  # another band
        placed("e", lat=52.5200, lon=13.4050), placed("f", lat=52.5230, lon=13.4100),  # ~450 m
        placed("g", lat=52.5400, lon=13.4050),  # ~2.2 km from e
    ])
    assert groups == [["a", "b"], ["e", "f"]]
