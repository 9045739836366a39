"""Specifications of the Bandsintown API (v3) answer parser, on saved answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bandcrawler.extract import Rejected
from bandcrawler.extract.bandsintown import parse_events, public_url
from bandcrawler.items import PARSED_FIELDS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bandsintown"
APP_ID = "bc-7f3a9e21d4"
URL = f"https://rest.bandsintown.com/artists/Lumen%20Drift/events?app_id={APP_ID}&date=upcoming"
PUBLIC_URL = "https://rest.bandsintown.com/artists/Lumen%20Drift/events?date=upcoming"

ITEM_KEYS = set(PARSED_FIELDS)  # the fields of bandcrawler/items.py a parser sets


def parse(name: str) -> list:
    return list(parse_events((FIXTURES / name).read_bytes(), URL))


def events(name: str) -> list[dict]:
    return [item for item in parse(name) if not isinstance(item, Rejected)]


def by_id(name: str) -> dict[str, dict]:
    return {item["source_id"]: item for item in events(name)}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_item_has_exactly_the_keys_of_the_jsonld_parser(name):
    for item in events(name):
        assert set(item) == ITEM_KEYS
        assert item["source"] == "bandsintown"
        assert item["utc_offset"] is None
        assert isinstance(item["lineup"], list) and isinstance(item["online"], bool)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_the_app_id_never_reaches_an_item_or_a_reason(name):
    for item in parse(name):
        assert APP_ID not in repr(item)


def test_a_european_event_gives_the_whole_concert():
    assert by_id("lumen_drift_events.json")["104987342"] == {
        "source": "bandsintown",
        "source_id": "104987342",
        "source_url": PUBLIC_URL,
        "title": None,
        "local_date": "2027-02-12",
        "local_time": "20:00",
        "utc_offset": None,
        "status": "scheduled",
        "venue_name": "Le Trabendo",
        "venue_address": "211 Avenue Jean Jaurès",
        "venue_city": "Paris",
        "venue_region": None,
        "venue_postal_code": "75019",
        "venue_country": "FR",
        "latitude": 48.8896,
        "longitude": 2.3932,
        "online": False,
        "lineup": ["Lumen Drift", "Saint Sadrill"],
        "url": "https://www.bandsintown.com/e/104987342",
        "ticket_url": "https://www.bandsintown.com/t/104987342",
    }


def test_events_come_in_the_order_of_the_answer_without_the_broken_one():
    assert [item["source_id"] for item in events("lumen_drift_events.json")] == [
        "104987342", "104987355", "104987361", "104987377", "104987402", "104987415"]


def test_an_impossible_datetime_drops_only_that_event():
    rejected = [r for r in parse("lumen_drift_events.json") if isinstance(r, Rejected)]
    assert rejected == [Rejected(
        "bad_start_date",
        f"event '104987390' ('Lumen Drift') on {PUBLIC_URL}: datetime '2027-02-30T20:00:00'",
    )]


def test_an_empty_region_is_none_and_a_us_state_is_kept():
    items = by_id("lumen_drift_events.json")
    assert items["104987355"]["venue_region"] is None
    assert (items["104987415"]["venue_city"], items["104987415"]["venue_region"]) == (
        "Brooklyn", "NY")
    us = events("harbour_lights_us_tour.json")
    assert [(i["venue_city"], i["venue_region"], i["venue_country"]) for i in us] == [
        ("Chicago", "IL", "US"), ("Austin", "TX", "US"), ("Seattle", "WA", "US")]


def test_country_names_become_iso_codes():
    items = by_id("lumen_drift_events.json")
    assert [items[i]["venue_country"] for i in ("104987355", "104987361", "104987415")] == [
        "CZ", "GB", "US"]


def test_coordinates_given_as_strings_become_numbers():
    item = by_id("lumen_drift_events.json")["104987415"]
    assert (item["latitude"], item["longitude"]) == (40.7193, -73.9383)


@pytest.mark.parametrize(("event_id", "written"), [("104987355", '""'), ("104987361", '"0"')])
def test_empty_or_zero_coordinates_are_unknown_not_a_place(event_id, written):
    item = by_id("lumen_drift_events.json")[event_id]
    assert (item["latitude"], item["longitude"]) == (None, None), written
    assert item["venue_city"]  # the geocoder finds it by its city


def test_empty_strings_are_missing_values():
    item = by_id("lumen_drift_events.json")["104987355"]
    assert item["title"] == "Lumen Drift - Winter Tour 2027"
    assert (item["venue_address"], item["venue_postal_code"], item["ticket_url"]) == (
        None, None, None)
    assert by_id("lumen_drift_events.json")["104987342"]["title"] is None


def test_links_lose_the_app_id_and_tracking_parameters():
    item = by_id("lumen_drift_events.json")["104987415"]
    assert item["url"] == "https://www.bandsintown.com/e/104987415"
    assert item["ticket_url"] == "https://www.bandsintown.com/t/104987415"
    assert item["source_url"] == PUBLIC_URL


def test_the_ticket_link_is_the_first_tickets_offer_even_after_a_presale():
    item = by_id("lumen_drift_events.json")["104987361"]
    assert item["ticket_url"] == "https://www.bandsintown.com/t/104987361"


def test_a_sold_out_show_still_links_to_its_tickets():
    seattle = events("harbour_lights_us_tour.json")[2]
    assert seattle["ticket_url"] == "https://www.bandsintown.com/t/1029384812"
    assert seattle["status"] == "rescheduled"  # "Rescheduled from November 2026 - ..."


def test_a_shouted_cancelled_in_the_title_cancels_the_concert():
    lyon = by_id("lumen_drift_events.json")["104987377"]
    assert (lyon["venue_city"], lyon["status"]) == ("Lyon", "cancelled")


def test_a_bracketed_postponed_in_the_title_postpones_the_concert():
    austin = events("harbour_lights_us_tour.json")[1]
    assert (austin["title"], austin["status"]) == ("Harbour Lights (Postponed)", "postponed")


def test_a_livestream_is_online_with_no_venue():
    stream = by_id("lumen_drift_events.json")["104987402"]
    assert stream["online"] is True
    assert stream["title"] == "Lumen Drift & Friends - Live from the Studio"
    assert [stream[k] for k in ("venue_name", "venue_city", "venue_country", "latitude")] == [
        None, None, None, None]
    assert stream["ticket_url"] == "https://www.bandsintown.com/t/104987402"


def test_a_festival_keeps_its_long_lineup_in_billing_order_once_each():
    [festival] = events("marrow_bloom_festival.json")
    lineup = festival["lineup"]
    assert len(lineup) == 40 and lineup.count("Big Thief") == 1
    assert lineup[:4] == ["Marrow & The Bloom", "Fleet Foxes", "Big Thief", "Japanese Breakfast"]
    assert lineup[-1] == "Field Medic"
    assert "Black Country, New Road" in lineup


def test_a_lineup_repeating_a_name_in_another_case_lists_it_once():
    assert by_id("lumen_drift_events.json")["104987342"]["lineup"] == [
        "Lumen Drift", "Saint Sadrill"]


def test_an_empty_array_is_a_band_with_no_upcoming_concerts():
    assert parse("empty.json") == []


@pytest.mark.parametrize(("name", "detail"), [
    ("warn_not_found.txt", "not JSON: {warn=Not found}"),
    ("warn_artist_not_found.txt", "not JSON: {warn=Artist not found}"),
    ("error_object.json", "an error object: [NotFound] The artist was not found"),
])
def test_an_error_answer_is_one_whole_page_rejection(name, detail):
    assert parse(name) == [Rejected("bad_answer", f"{PUBLIC_URL}: {detail}", whole_page=True)]


@pytest.mark.parametrize("body", [b"", b"<html><body>502 Bad Gateway</body></html>", b"null",
                                  b'"Rate exceeded"'])
def test_anything_but_an_array_is_a_bad_answer(body):
    [rejected] = parse_events(body, URL)
    assert rejected.reason == "bad_answer" and rejected.whole_page


def test_an_element_that_is_not_an_event_is_dropped_alone():
    body = b'[null, {"id": "7", "datetime": "2027-05-01T20:00:00", "venue": ""}]'
    dropped, item = parse_events(body, URL)
    assert dropped.reason == "bad_event" and not dropped.whole_page
    assert (item["source_id"], item["local_date"], item["venue_name"]) == ("7", "2027-05-01", None)


def test_an_event_without_a_datetime_falls_back_to_starts_at_else_is_dropped():
    body = (b'[{"id": 1, "datetime": "", "starts_at": "2027-05-01T19:00:00"},'
            b' {"id": 2, "datetime": ""}]')
    item, dropped = parse_events(body, URL)
    assert (item["source_id"], item["local_time"]) == ("1", "19:00")
    assert dropped.reason == "missing_start_date"


@pytest.mark.parametrize(("title", "status"), [
    ("Cancelled: Lumen Drift", "cancelled"),
    ("Postponed - Lumen Drift at Lido", "postponed"),
    ("Lumen Drift [RESCHEDULED]", "rescheduled"),
    ("Lumen Drift - CANCELED", "cancelled"),
    ("Lumen Drift (canceled)", "cancelled"),
])
def test_a_status_marked_in_the_title_is_the_status(title, status):
    body = f'[{{"id": 1, "datetime": "2027-05-01T20:00:00", "title": "{title}"}}]'
    [item] = parse_events(body, URL)
    assert item["status"] == status


def test_a_word_in_passing_is_not_a_status():
    body = (b'[{"id": 1, "datetime": "2027-05-01T20:00:00", "title": "Cancelled Plans Tour",'
            b' "description": "This show was postponed from May. Tickets remain valid."}]')
    [item] = parse_events(body, URL)
    assert item["status"] == "scheduled"


def test_public_url_keeps_the_other_query_parameters():
    assert public_url(f"https://rest.example/a?date=2027-01-01%2C2027-12-31&app_id={APP_ID}") == (
        "https://rest.example/a?date=2027-01-01%2C2027-12-31")
