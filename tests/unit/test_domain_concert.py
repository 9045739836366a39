"""Specifications of the Concert aggregate: what a listing, a location or a failure decides."""

from __future__ import annotations

import pytest

from bandcrawler.domain import events as ev
from bandcrawler.domain.concert import (
    Concert,
    Listing,
    decide_geocoded,
    decide_geocoding_failed,
    decide_listing,
    listing_from,
    replay,
)

NOW = "2025-01-01T12:00:00.000000Z"
LATER = "2025-01-02T12:00:00.000000Z"
CID = "c0ffee"


def details(**changes):
    base = {
        "title": "The Velvet Lanterns live",
        "local_date": "2025-03-14",
        "local_time": "20:00",
        "utc_offset": None,
        "venue": {"name": "La Cigale", "address": "120 Bd de Rochechouart", "city": "Paris",
                  "region": None, "postal_code": "75018", "country": "FR"},
        "source_location": None,
        "online": False,
        "lineup": ["The Velvet Lanterns"],
        "url": "https://example.org/tour/paris",
        "ticket_url": None,
    }
    return {**base, **changes}


def listing(source="jsonld", status="scheduled", source_id="paris-1", **changes) -> Listing:
    return Listing(band_id="the-velvet-lanterns", band="The Velvet Lanterns", source=source,
                   source_id=source_id, status=status, details=details(**changes))


def concert_from(decided_batches) -> Concert:
    """Fold decisions into a concert, numbering versions as the store would."""
    concert = Concert(CID)
    for event in decided_batches:
        concert.apply(event, concert.version + 1)
    return concert


def announced(listing_: Listing | None = None) -> Concert:
    return concert_from(decide_listing(Concert(CID), listing_ or listing(), NOW))


def test_a_first_listing_announces_the_concert():
    decided = decide_listing(Concert(CID), listing(), NOW)

    assert len(decided) == 1
    (event,) = decided
    assert isinstance(event, ev.ConcertAnnounced)
    assert event.concert_id == CID
    assert event.band_id == "the-velvet-lanterns"
    assert event.source == "jsonld"
    assert event.details == details()


def test_a_first_listing_of_a_cancelled_concert_announces_and_cancels_it():
    decided = decide_listing(Concert(CID), listing(status="cancelled"), NOW)

    assert [type(e) for e in decided] == [ev.ConcertAnnounced, ev.ConcertCancelled]
    assert concert_from(decided).status == "cancelled"


def test_the_same_listing_again_decides_nothing():
    concert = announced()

    assert decide_listing(concert, listing(), LATER) == []


def test_a_changed_time_decides_details_changed_with_only_that_field():
    concert = announced()

    decided = decide_listing(concert, listing(local_time="21:30"), LATER)

    assert len(decided) == 1
    assert isinstance(decided[0], ev.ConcertDetailsChanged)
    assert decided[0].changes == {"local_time": "21:30"}


def test_a_changed_venue_decides_details_changed_with_only_the_venue():
    concert = announced()
    new_venue = {**details()["venue"], "name": "Le Trianon", "address": "80 Bd Rochechouart"}

    decided = decide_listing(concert, listing(venue=new_venue), LATER)

    assert len(decided) == 1
    assert isinstance(decided[0], ev.ConcertDetailsChanged)
    assert decided[0].changes == {"venue": new_venue}


def test_a_venue_change_voids_the_old_location():
    concert = announced()
    assert concert.needs_geocoding()
    for event in decide_geocoded(concert, 48.88, 2.34, "venue", "Europe/Paris", NOW):
        concert.apply(event, concert.version + 1)
    assert not concert.needs_geocoding()

    new_venue = {**details()["venue"], "name": "Le Trianon"}
    for event in decide_listing(concert, listing(venue=new_venue), LATER):
        concert.apply(event, concert.version + 1)

    assert concert.location is None
    assert concert.geo_precision is None
    assert concert.timezone is None
    assert concert.needs_geocoding()


def test_a_time_change_keeps_the_location():
    concert = announced()
    for event in decide_geocoded(concert, 48.88, 2.34, "venue", "Europe/Paris", NOW):
        concert.apply(event, concert.version + 1)
    for event in decide_listing(concert, listing(local_time="19:00"), LATER):
        concert.apply(event, concert.version + 1)

    assert concert.location == (48.88, 2.34)
    assert not concert.needs_geocoding()


@pytest.mark.parametrize(
    ("status", "event_type"),
    [
        ("cancelled", ev.ConcertCancelled),
        ("postponed", ev.ConcertPostponed),
        ("rescheduled", ev.ConcertRescheduled),
        ("moved_online", ev.ConcertMovedOnline),
    ],
)
def test_a_status_change_decides_the_matching_event_and_back_to_scheduled_reinstates(
        status, event_type):
    concert = announced()

    decided = decide_listing(concert, listing(status=status), LATER)
    assert [type(e) for e in decided] == [event_type]
    concert.apply(decided[0], concert.version + 1)
    assert concert.status == status
    assert decide_listing(concert, listing(status=status), LATER) == []

    back = decide_listing(concert, listing(status="scheduled"), LATER)
    assert [type(e) for e in back] == [ev.ConcertReinstated]
    concert.apply(back[0], concert.version + 1)
    assert concert.status == "scheduled"


def test_a_second_source_decides_listed_by_source():
    concert = announced()

    decided = decide_listing(concert, listing(source="bandsintown", source_id="987"), LATER)

    assert [type(e) for e in decided] == [ev.ConcertListedBySource]
    assert decided[0].source == "bandsintown"
    concert.apply(decided[0], concert.version + 1)
    assert concert.sources == ["jsonld", "bandsintown"]
    assert decide_listing(concert, listing(source="bandsintown", source_id="987"), LATER) == []


def test_geocoded_twice_with_the_same_values_decides_nothing():
    concert = announced()
    first = decide_geocoded(concert, 48.88, 2.34, "city", "Europe/Paris", NOW)
    assert [type(e) for e in first] == [ev.ConcertGeocoded]
    concert.apply(first[0], concert.version + 1)

    assert decide_geocoded(concert, 48.88, 2.34, "city", "Europe/Paris", LATER) == []
    assert len(decide_geocoded(concert, 48.88, 2.34, "venue", "Europe/Paris", LATER)) == 1


def test_geocoding_failure_is_recorded_once_per_distinct_reason():
    concert = announced()
    first = decide_geocoding_failed(concert, "timeout", NOW)
    assert [type(e) for e in first] == [ev.ConcertGeocodingFailed]
    concert.apply(first[0], concert.version + 1)

    assert decide_geocoding_failed(concert, "timeout", LATER) == []
    other = decide_geocoding_failed(concert, "not_found", LATER)
    assert len(other) == 1 and other[0].reason == "not_found"


def test_replaying_the_events_rebuilds_identical_state():
    live = Concert(CID)
    stored: list[tuple[ev.DomainEvent, int]] = []

    def record(decided):
        for event in decided:
            version = live.version + 1
            live.apply(event, version)
            stored.append((event, version))

    record(decide_listing(live, listing(), NOW))
    record(decide_listing(live, listing(source="bandsintown", local_time="21:00"), LATER))
    record(decide_geocoding_failed(live, "timeout", LATER))
    record(decide_geocoded(live, 48.88, 2.34, "city", "Europe/Paris", LATER))
    record(decide_listing(live, listing(status="postponed", local_time="21:00"), LATER))

    rebuilt = replay(CID, stored)

    assert rebuilt == live
    assert rebuilt.version == len(stored) == 6
    assert rebuilt.first_seen == NOW and rebuilt.updated_at == LATER


def test_starts_at_uses_the_source_offset_before_the_venue_timezone():
    concert = announced(listing(local_time="20:00", utc_offset="+01:00"))
    for event in decide_geocoded(concert, 40.7, -74.0, "city", "America/New_York", NOW):
        concert.apply(event, concert.version + 1)

    assert concert.starts_at == "2025-03-14T19:00:00Z"


@pytest.mark.parametrize(
    ("local_date", "expected"),
    [("2025-01-15", "2025-01-15T19:00:00Z"),  # CET, UTC+1
     ("2025-07-15", "2025-07-15T18:00:00Z")],  # CEST, UTC+2
)
def test_starts_at_falls_back_to_the_venue_timezone_with_daylight_saving(local_date, expected):
    concert = announced(listing(local_date=local_date, local_time="20:00"))
    for event in decide_geocoded(concert, 48.85, 2.35, "city", "Europe/Paris", NOW):
        concert.apply(event, concert.version + 1)

    assert concert.starts_at == expected


def test_starts_at_is_none_without_offset_or_timezone_or_time():
    assert announced().starts_at is None
    no_time = announced(listing(local_time=None, utc_offset="+01:00"))
    assert no_time.starts_at is None


def test_listing_from_takes_the_cleaned_fields():
    fields = {"band_id": "b", "band": "B", "source": "ical", "source_id": "uid-1",
              "status": "scheduled", "source_url": "https://x", **details()}

    built = listing_from(fields)

    assert built == Listing("b", "B", "ical", "uid-1", "scheduled", details())
    assert built.place == "Paris"
