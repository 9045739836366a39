"""Several sources, one concert: each source's word is kept; priorities decide the picture."""

from __future__ import annotations

from bandcrawler.domain import events as ev
from bandcrawler.domain.concert import Concert, Listing, decide_listing, decide_unlisted

NOW = "2030-01-01T00:00:00Z"


def listing(source: str, status: str = "scheduled", **details) -> Listing:
    base = {"local_date": "2030-05-01", "local_time": "20:00", "utc_offset": None,
            "venue": {"name": "La Cigale", "city": "Paris", "country": "FR"},
            "source_location": None, "lineup": ["The Band"], "title": None, "url": None,
            "ticket_url": None, "online": False}
    return Listing("the-band", "The Band", source, f"{source}-1", status, {**base, **details})


def record(concert: Concert, *listings: Listing) -> list[ev.DomainEvent]:
    decided_all = []
    for one in listings:
        decided = decide_listing(concert, one, NOW)
        for event in decided:
            concert.apply(event, concert.version + 1)
        decided_all += decided
    return decided_all


def test_a_second_source_is_recorded_with_its_own_details():
    concert = Concert("c")
    record(concert, listing("jsonld"))
    decided = record(concert, listing("bandsintown", local_time="21:00"))
    assert [type(e) for e in decided] == [ev.ConcertListedBySource]
    assert decided[0].details["local_time"] == "21:00"
    assert concert.sources == ["jsonld", "bandsintown"]


def test_the_band_website_wins_a_conflicting_field():
    concert = Concert("c")
    record(concert, listing("bandsintown", local_time="21:00"), listing("jsonld"))
    assert concert.details["local_time"] == "20:00"


def test_disagreeing_sources_recrawled_add_nothing():
    concert = Concert("c")
    record(concert, listing("jsonld"), listing("bandsintown", local_time="21:00"))
    assert record(concert, listing("jsonld"), listing("bandsintown", local_time="21:00")) == []


def test_a_field_only_a_lesser_source_gives_still_shows():
    concert = Concert("c")
    record(concert, listing("jsonld"),
           listing("bandsintown", ticket_url="https://t.example/1",
                   source_location={"latitude": 48.88, "longitude": 2.34}))
    assert concert.details["ticket_url"] == "https://t.example/1"
    assert concert.details["source_location"] == {"latitude": 48.88, "longitude": 2.34}


def test_a_venue_with_a_city_beats_one_without():
    concert = Concert("c")
    record(concert, listing("jsonld", venue={"name": "La Cigale", "city": None}),
           listing("bandsintown", venue={"name": "La Cigale", "city": "Paris", "country": "FR"}))
    assert concert.venue["city"] == "Paris"


def test_a_cancellation_from_any_source_counts():
    concert = Concert("c")
    record(concert, listing("jsonld"), listing("musicbrainz", status="cancelled"))
    assert concert.status == "cancelled"


def test_otherwise_the_best_source_decides_the_status():
    concert = Concert("c")
    record(concert, listing("jsonld", status="postponed"), listing("bandsintown"))
    assert concert.status == "postponed"


def test_coordinates_from_a_source_move_the_concert_and_void_a_geocoded_location():
    concert = Concert("c")
    record(concert, listing("jsonld"))
    concert.apply(ev.ConcertGeocoded("c", 48.85, 2.35, "city", "Europe/Paris", NOW), 2)
    record(concert, listing("bandsintown",
                            source_location={"latitude": 48.88, "longitude": 2.34}))
    assert concert.location is None and concert.needs_geocoding()


def test_an_unlisted_upcoming_concert_is_unlisted_once_and_stays_known():
    concert = Concert("c")
    record(concert, listing("jsonld"))
    decided = decide_unlisted(concert, "jsonld", "2030-01-01", NOW)
    assert [type(e) for e in decided] == [ev.ConcertUnlisted]
    concert.apply(decided[0], concert.version + 1)
    assert not concert.listed and concert.status == "scheduled"
    assert decide_unlisted(concert, "jsonld", "2030-01-01", NOW) == []


def test_past_concerts_and_other_sources_concerts_are_not_unlisted():
    concert = Concert("c")
    record(concert, listing("jsonld"))
    assert decide_unlisted(concert, "jsonld", "2030-06-01", NOW) == []
    assert decide_unlisted(concert, "ical", "2030-01-01", NOW) == []


def test_one_source_still_listing_keeps_the_concert_listed():
    concert = Concert("c")
    record(concert, listing("jsonld"), listing("ical"))
    concert.apply(decide_unlisted(concert, "ical", "2030-01-01", NOW)[0], concert.version + 1)
    assert concert.listed


def test_a_source_listing_it_again_relists_it():
    concert = Concert("c")
    record(concert, listing("jsonld"))
    concert.apply(decide_unlisted(concert, "jsonld", "2030-01-01", NOW)[0], concert.version + 1)
    decided = record(concert, listing("jsonld"))
    assert [type(e) for e in decided] == [ev.ConcertListedBySource]
    assert concert.listed
