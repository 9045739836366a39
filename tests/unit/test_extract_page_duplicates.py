"""Specifications of one performance per page: an SEO plugin's graph beside an events
plugin's list carries the same events under different ids."""

from __future__ import annotations

from pathlib import Path

from bandcrawler.extract.jsonld import parse_events

PAGE = Path(__file__).parents[1] / "fixtures" / "jsonld" / "yoast_and_events_calendar.html"


def items():
    return list(parse_events(PAGE.read_bytes(), "https://lakeside.example/events/"))


def test_an_event_listed_twice_under_different_ids_is_one_item_the_fuller_one():
    park = [i for i in items() if i["title"] == "Music in the Park"]
    assert [i["local_date"] for i in park] == ["2031-07-28", "2031-08-04"]  # two nights
    assert park[0]["venue_postal_code"] == "54558"  # the events plugin's fuller listing


def test_an_event_listed_once_stays():
    assert [i["title"] for i in items()].count("Fish Fry") == 1
