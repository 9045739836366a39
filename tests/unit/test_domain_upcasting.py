"""Specifications of the upcaster chain: an old payload reaches today's shape, step by step."""

from __future__ import annotations

import dataclasses

from bandcrawler.domain import events as ev
from bandcrawler.domain.upcasting import (
    FIRST_VERSION,
    OUTDATED,
    UPCASTERS,
    current_version,
    upcast,
    written_version,
)

AT = "2025-01-01T00:00:00Z"


def test_a_geocoded_event_of_version_one_gains_the_country_it_never_had():
    old = {"concert_id": "c", "latitude": 48.85, "longitude": 2.35, "precision": "city",
           "timezone": "Europe/Paris", "at": AT}

    data = upcast("ConcertGeocoded", 1, old)

    assert data == {**old, "country": None}
    assert ev.event_from("ConcertGeocoded", data) == ev.ConcertGeocoded(
        "c", 48.85, 2.35, "city", "Europe/Paris", AT, None)
    assert "country" not in old  # the stored payload is never changed


def test_a_version_one_payload_that_already_names_a_country_keeps_it():
    old = {"concert_id": "c", "latitude": 1.0, "longitude": 2.0, "precision": "city",
           "timezone": None, "at": AT, "country": "FR"}

    assert upcast("ConcertGeocoded", 1, old)["country"] == "FR"


def test_a_payload_of_todays_version_comes_back_as_it_is():
    data = {"concert_id": "c", "reason": "not found", "at": AT}

    assert upcast("ConcertGeocodingFailed", current_version("ConcertGeocodingFailed"),
                  data) is data
    assert upcast("ConcertGeocoded", current_version("ConcertGeocoded"), data) is data


def test_steps_run_in_order_from_the_stored_version_to_todays():
    def rename_venue(data):
        return {("place" if k == "venue" else k): v for k, v in data.items()}

    def split_place(data):
        place = data["place"]
        return {**{k: v for k, v in data.items() if k != "place"},
                "place_name": place["name"], "city": place["city"]}

    chain = {("Happened", 1): rename_venue, ("Happened", 2): split_place}
    old = {"venue": {"name": "Lido", "city": "Berlin"}, "at": AT}

    assert current_version("Happened", chain) == 3
    assert upcast("Happened", 1, old, chain) == {"at": AT, "place_name": "Lido",
                                                 "city": "Berlin"}
    assert upcast("Happened", 2, {"place": {"name": "Lido", "city": "Berlin"}}, chain) == {
        "place_name": "Lido", "city": "Berlin"}
    assert upcast("Happened", 3, {"city": "Berlin"}, chain) == {"city": "Berlin"}


def test_a_type_without_steps_is_at_the_first_version():
    assert current_version("BandRegistered") == FIRST_VERSION == 1
    assert current_version("SomethingElse") == 1


def test_every_step_belongs_to_a_known_event_type_and_the_chains_have_no_gaps():
    for event_type, version in UPCASTERS:
        assert event_type in ev.EVENT_TYPES
        assert all((event_type, v) in UPCASTERS for v in range(FIRST_VERSION, version))
    assert OUTDATED == frozenset(UPCASTERS)


def test_upcasting_every_outdated_sample_gives_exactly_todays_fields():
    samples = {
        ("ConcertGeocoded", 1): {"concert_id": "c", "latitude": 1.0, "longitude": 2.0,
                                 "precision": "city", "timezone": None, "at": AT},
    }
    assert set(samples) == set(UPCASTERS)  # a new step needs its old sample here
    for (event_type, version), data in samples.items():
        fields = {f.name for f in dataclasses.fields(ev.EVENT_TYPES[event_type])}
        assert set(upcast(event_type, version, data)) == fields


def test_the_version_appends_write_is_the_current_version_of_the_chain():
    for event_type in [*ev.EVENT_TYPES, "SomethingElse"]:
        assert written_version(event_type) == current_version(event_type)
