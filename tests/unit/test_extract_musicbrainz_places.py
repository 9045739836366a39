"""Specifications of MusicBrainz places (issue 12): "held at" with or without target-type,
the town from the place's address rather than a borough, lookup answers."""

from __future__ import annotations

from pathlib import Path

from bandcrawler.extract.musicbrainz import parse_events

FIXTURES = Path(__file__).parents[1] / "fixtures" / "musicbrainz"


def items(name):
    return list(parse_events((FIXTURES / name).read_bytes(), "https://mb.example/ws/2/event"))


def test_a_held_at_relation_without_target_type_still_gives_the_place():
    lerkendal = items("search_answer.json")[0]
    assert lerkendal["venue_name"] == "Lerkendal stadion"


def test_the_town_comes_from_the_address_not_from_a_borough_area():
    proms = items("search_answer.json")[1]
    assert (proms["venue_name"], proms["venue_city"]) == ("Royal Albert Hall", "London")


def test_a_lookup_answer_is_read_as_its_one_event():
    [riga] = items("event_lookup.json")
    assert (riga["local_date"], riga["local_time"], riga["venue_city"], riga["venue_country"]) == (
        "2031-05-06", "19:00", "Rīga", "LV")
