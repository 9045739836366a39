"""Specifications of the domain events: every type survives a trip through the store's JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bandcrawler.domain import events as ev

AT = "2025-01-01T00:00:00Z"

SAMPLES: dict[str, ev.DomainEvent] = {
    "BandRegistered": ev.BandRegistered("b", "B", AT),
    "BandSourceAdded": ev.BandSourceAdded("b", "ical", "https://b.example/feed.ics", AT),
    "ConcertAnnounced": ev.ConcertAnnounced(
        "c", "b", "B", "jsonld",
        {"local_date": "2025-03-14", "venue": {"city": "Paris"}, "lineup": ["B", "C"]}, AT),
    "ConcertDetailsChanged": ev.ConcertDetailsChanged("c", "jsonld", {"local_time": "21:00"}, AT),
    "ConcertListedBySource": ev.ConcertListedBySource(
        "c", "bandsintown", {"local_date": "2025-03-14", "venue": {"city": "Paris"}}, AT),
    "ConcertUnlisted": ev.ConcertUnlisted("c", "bandsintown", AT),
    "ConcertCancelled": ev.ConcertCancelled("c", "jsonld", AT),
    "ConcertPostponed": ev.ConcertPostponed("c", "jsonld", AT),
    "ConcertRescheduled": ev.ConcertRescheduled("c", "jsonld", AT),
    "ConcertMovedOnline": ev.ConcertMovedOnline("c", "jsonld", AT),
    "ConcertReinstated": ev.ConcertReinstated("c", "jsonld", AT),
    "ConcertGeocoded": ev.ConcertGeocoded("c", 48.85, 2.35, "city", "Europe/Paris", AT),
    "ConcertGeocodingFailed": ev.ConcertGeocodingFailed("c", "not_found", AT),
    "WatchCreated": ev.WatchCreated("paris", "Paris", {"lat": 48.85, "lon": 2.35,
                                                       "radius_km": 50.0}, "tok", False, AT),
    "WatchRemoved": ev.WatchRemoved("paris", AT),
}


def test_every_event_type_has_a_sample():
    assert set(SAMPLES) == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("type_name", sorted(ev.EVENT_TYPES))
def test_event_from_round_trips_every_event_type(type_name):
    event = SAMPLES[type_name]
    assert event.type == type_name

    data = json.loads(json.dumps(event.to_data()))
    rebuilt = ev.event_from(event.type, data)

    assert rebuilt == event
    assert type(rebuilt) is type(event)


def test_status_events_carry_their_status_but_do_not_store_it():
    for status, cls in ev.STATUS_EVENTS.items():
        assert cls.status == status
        assert "status" not in {f.name for f in dataclasses.fields(cls)}
    assert set(ev.STATUS_EVENTS) == set(ev.STATUSES)


def test_event_from_rejects_an_unknown_type():
    with pytest.raises(ValueError, match="ConcertExploded"):
        ev.event_from("ConcertExploded", {})
