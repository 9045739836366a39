"""Specifications of the MusicBrainz event parser, on saved web service answers.

The paged artist's answers are cut at four events a page (MusicBrainz pages hold up to 100)
to keep them readable; paging only counts the events an answer holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bandcrawler.extract import Rejected
from bandcrawler.extract.musicbrainz import next_offset, parse_events
from bandcrawler.items import PARSED_FIELDS
from bandcrawler.spiders.musicbrainz import artist_mbid

FIXTURES = Path(__file__).parents[1] / "fixtures" / "musicbrainz"
URL = ("https://musicbrainz.org/ws/2/event?artist=6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"
       "&fmt=json&inc=place-rels+artist-rels+area-rels&limit=100&offset=0")

ITEM_KEYS = set(PARSED_FIELDS)  # the fields of bandcrawler/items.py a parser sets


def parse(name: str) -> list:
    return list(parse_events((FIXTURES / name).read_bytes(), URL))


def events(name: str) -> list[dict]:
    return [item for item in parse(name) if not isinstance(item, Rejected)]


def by_id(name: str) -> dict[str, dict]:
    return {item["source_id"]: item for item in events(name)}


PAGE1, PAGE2 = "paged_artist_page1.json", "paged_artist_page2.json"
BATACLAN = "b1f2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
COLUMBIAHALLE = "a7c4e2f0-9b1d-4c3e-8f5a-6b7c8d9e0f1a"
ROSKILDE = "e3d2c1b0-a9f8-4e7d-8c6b-5a4f3e2d1c0b"
UNKNOWN = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
MERCURY = "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b"
SECRET = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e"
DONAUINSEL = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"


@pytest.mark.parametrize("name", [PAGE1, PAGE2])
def test_every_item_has_exactly_the_keys_of_the_jsonld_parser(name):
    for item in events(name):
        assert set(item) == ITEM_KEYS
        assert item["source"] == "musicbrainz"
        assert item["source_url"] == URL
        assert item["utc_offset"] is None
        assert item["online"] is False
        assert item["ticket_url"] is None
        assert item["venue_postal_code"] is None


def test_a_concert_at_a_place_with_coordinates_gives_the_whole_concert():
    assert by_id(PAGE1)[BATACLAN] == {
        "source": "musicbrainz",
        "source_id": BATACLAN,
        "source_url": URL,
        "title": "The Paper Lanterns at Le Bataclan",
        "local_date": "2027-03-12",
        "local_time": "20:00",
        "utc_offset": None,
        "status": "scheduled",
        "venue_name": "Le Bataclan",
        "venue_address": "50 Boulevard Voltaire, 75011 Paris, France",
        "venue_city": "Paris",
        "venue_region": None,
        "venue_postal_code": None,
        "venue_country": "FR",  # the area has no code; the address ends with the country
        "latitude": 48.86305,
        "longitude": 2.37093,
        "online": False,
        "lineup": ["The Paper Lanterns", "Hollow Coves", "Koma Kids"],
        "url": f"https://musicbrainz.org/event/{BATACLAN}",
        "ticket_url": None,
    }


def test_both_pages_give_seven_concerts_in_answer_order():
    assert [i["source_id"] for i in events(PAGE1) + events(PAGE2)] == [
        BATACLAN, COLUMBIAHALLE, ROSKILDE, UNKNOWN, MERCURY, SECRET, DONAUINSEL,
    ]


def test_a_partial_date_is_rejected_alone():
    rejected = [i for i in parse(PAGE1) if isinstance(i, Rejected)]
    assert [(r.reason, r.whole_page) for r in rejected] == [("bad_start_date", False)]
    assert "'2019-11'" in rejected[0].detail
    assert "The Paper Lanterns at Paradiso" in rejected[0].detail


def test_a_cancelled_event_is_cancelled_and_an_empty_time_is_no_time():
    berlin = by_id(PAGE1)[COLUMBIAHALLE]
    assert berlin["status"] == "cancelled"
    assert (berlin["local_date"], berlin["local_time"]) == ("2027-04-02", None)


def test_placeholder_names_give_no_title():
    assert by_id(PAGE1)[COLUMBIAHALLE]["title"] is None  # "[concert]"
    assert by_id(PAGE2)[UNKNOWN]["title"] is None  # "[unknown]"


def test_coordinates_given_as_strings_are_numbers():
    berlin = by_id(PAGE1)[COLUMBIAHALLE]
    assert (berlin["latitude"], berlin["longitude"]) == (52.48556, 13.39028)


def test_a_subdivision_area_gives_city_region_and_country():
    berlin = by_id(PAGE1)[COLUMBIAHALLE]
    assert (berlin["venue_city"], berlin["venue_region"], berlin["venue_country"]) == (
        "Berlin", "BE", "DE")
    mercury = by_id(PAGE2)[MERCURY]
    assert (mercury["venue_city"], mercury["venue_region"], mercury["venue_country"]) == (
        "New York", "NY", "US")


def test_a_place_without_coordinates_has_none():
    mercury = by_id(PAGE2)[MERCURY]
    assert (mercury["latitude"], mercury["longitude"]) == (None, None)
    assert mercury["venue_address"] == "217 E Houston St, New York, NY 10002"


def test_a_country_area_gives_the_country_and_no_city():
    secret = by_id(PAGE2)[SECRET]
    assert secret["venue_name"] == "Secret Warehouse Location"
    assert (secret["venue_city"], secret["venue_region"], secret["venue_country"]) == (
        None, None, "GB")
    assert secret["venue_address"] is None  # "" in the answer


def test_an_event_without_place_or_area_has_an_empty_venue():
    unknown = by_id(PAGE2)[UNKNOWN]
    assert [unknown[k] for k in ("venue_name", "venue_city", "venue_country", "latitude")] == [
        None, None, None, None]
    assert (unknown["local_date"], unknown["local_time"]) == ("2027-05-08", "21:30")


def test_an_event_held_in_an_area_without_a_place_gets_its_city():
    festival = by_id(PAGE2)[DONAUINSEL]
    assert festival["venue_name"] is None
    assert (festival["venue_city"], festival["venue_region"], festival["venue_country"]) == (
        "Wien", "9", "AT")


def test_a_festival_is_dated_by_its_first_day_and_lists_its_lineup_once():
    roskilde = by_id(PAGE1)[ROSKILDE]
    assert roskilde["title"] == "Roskilde Festival 2027"
    assert (roskilde["local_date"], roskilde["local_time"]) == ("2027-06-26", None)
    assert roskilde["lineup"] == ["Massive Attack", "The Paper Lanterns", "Hollow Coves"]
    assert (roskilde["venue_city"], roskilde["venue_country"]) == ("Roskilde", "DK")


def test_main_performers_come_before_support_acts_whatever_the_relation_order():
    assert by_id(PAGE2)[MERCURY]["lineup"] == ["The Paper Lanterns", "Koma Kids"]


def test_next_offset_follows_the_event_count():
    assert next_offset((FIXTURES / PAGE1).read_bytes()) == 4
    assert next_offset((FIXTURES / PAGE2).read_bytes()) is None
    assert next_offset((FIXTURES / "no_events.json").read_bytes()) is None


def test_next_offset_stops_on_an_empty_page_even_if_the_count_says_more():
    body = json.dumps({"event-offset": 100, "event-count": 250, "events": []})
    assert next_offset(body) is None
    assert next_offset("<html>503</html>") is None


def test_an_artist_without_events_gives_nothing():
    assert parse("no_events.json") == []


@pytest.mark.parametrize("name", ["rate_limited.html", "error_not_found.json"])
def test_an_answer_that_is_not_an_event_list_is_one_whole_page_rejection(name):
    [rejected] = parse(name)
    assert (rejected.reason, rejected.whole_page) == ("bad_answer", True)
    assert URL in rejected.detail


@pytest.mark.parametrize(("begin", "reason"), [
    ("1990", "bad_start_date"), ("2026-02-30", "bad_start_date"), (None, "missing_start_date"),
])
def test_events_without_a_full_valid_date_are_rejected(begin, reason):
    body = json.dumps({"event-offset": 0, "event-count": 1, "events": [
        {"id": "0b6a2f3c-1d4e-4f5a-8b6c-7d8e9f0a1b2c", "name": "Gig",
         "life-span": {"begin": begin, "end": None, "ended": False}, "time": "",
         "cancelled": False, "relations": []}]})
    [rejected] = parse_events(body, URL)
    assert (rejected.reason, rejected.whole_page) == (reason, False)


def test_a_malformed_time_keeps_the_date():
    body = json.dumps({"event-offset": 0, "event-count": 1, "events": [
        {"id": "0b6a2f3c-1d4e-4f5a-8b6c-7d8e9f0a1b2c", "name": "Gig",
         "life-span": {"begin": "2027-01-09"}, "time": "25:00", "cancelled": False}]})
    [item] = parse_events(body, URL)
    assert (item["local_date"], item["local_time"]) == ("2027-01-09", None)


@pytest.mark.parametrize(("value", "mbid"), [
    ("6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d", "6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"),
    (" 6A9B8C7D-1E2F-4A3B-9C8D-7E6F5A4B3C2D ", "6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"),
    ("https://musicbrainz.org/artist/6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d",
     "6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"),
    ("The Paper Lanterns", None),
    ("6a9b8c7d-1e2f-4a3b-9c8d", None),
    ("6a9b8c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d&offset=5", None),
])
def test_an_artist_source_must_be_an_mbid_or_its_page(value, mbid):
    assert artist_mbid(value) == mbid
