"""Calendars and change feeds built from a real store, read back by their own parsers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from icalendar import Calendar

from bandcrawler.feeds.atom import changes_feed
from bandcrawler.feeds.ical import calendar
from bandcrawler.services.calendars import band_calendar, watch_calendar, watch_feed
from bandcrawler.services.changes import list_changes
from bandcrawler.services.history import concert_history, resolve_concert
from bandcrawler.services.watches import create_watch
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from tests.support.alerts import record

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    yield EventStore(engine)
    engine.dispose()


def events_by_uid(body: bytes) -> dict:
    parsed = Calendar.from_ical(body)
    parsed.validate()
    return {str(e["UID"]): e for e in parsed.walk("VEVENT")}


def test_a_changed_time_keeps_the_uid_and_raises_the_sequence(store):
    concert_id = record(store)
    before = events_by_uid(band_calendar(store, "The Velvet Lanterns"))[concert_id]
    record(store, local_time="21:30")
    after = events_by_uid(band_calendar(store, "The Velvet Lanterns"))[concert_id]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART").hour == 21
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_a_timed_concert_has_its_venues_zone_with_a_vtimezone(store):
    concert_id = record(store)
    body = band_calendar(store, "The Velvet Lanterns")
    parsed = Calendar.from_ical(body)
    event = events_by_uid(body)[concert_id]
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Paris"]
    start = event.decoded("DTSTART")
    assert isinstance(start, datetime) and start.utcoffset().total_seconds() == 3600
    assert str(event["LOCATION"]) == "La Cigale, Paris, FR"
    assert event["GEO"].latitude == pytest.approx(48.8566)
    assert "Lineup: The Velvet Lanterns" in str(event["DESCRIPTION"])
    assert "the band's website" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "https://velvet.example/tour#paris"


def test_a_cancelled_concert_stays_in_the_feed_marked_cancelled(store):
    concert_id = record(store)
    record(store, status="cancelled")
    event = events_by_uid(band_calendar(store, "The Velvet Lanterns"))[concert_id]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("CANCELLED:")


def test_a_concert_without_a_time_is_all_day_and_without_a_zone_is_utc():
    view = {"concert_id": "c1", "band": "B", "local_date": "2030-05-01", "local_time": None,
            "status": "scheduled", "venue": {"name": "V"}, "updated_at": "2026-12-01T10:00Z"}
    timed = {**view, "concert_id": "c2", "local_time": "20:00",
             "starts_at": "2030-05-01T18:00:00Z"}
    found = events_by_uid(calendar([view, timed], name="test"))
    assert found["c1"].decoded("DTSTART") == date(2030, 5, 1)
    assert found["c2"].decoded("DTSTART").isoformat() == "2030-05-01T18:00:00+00:00"


def test_a_watch_calendar_holds_the_concerts_it_is_about(store):
    record(store)
    record(store, source_id="b", venue_city="Berlin", venue_name="SO36",
           local_date="2030-04-02")
    watch = create_watch(store, "paris", {"lat": 48.85, "lon": 2.35, "radius_km": 50})
    assert [str(e["LOCATION"]) for e in events_by_uid(watch_calendar(store, watch)).values()
            ] == ["La Cigale, Paris, FR"]


def test_hostile_text_stays_text_in_the_calendar_and_the_feed(store):
    record(store, title="Live\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil <b>&",
           venue_name="<script>x</script>")
    body = band_calendar(store, "The Velvet Lanterns")
    assert len(events_by_uid(body)) == 1
    feed = changes_feed(list_changes(store), title="t", feed_id="urn:x")
    entry = ET.fromstring(feed).find(f"{ATOM}entry")
    assert entry is not None


def test_the_changes_feed_is_newest_first_with_stable_entry_ids(store):
    record(store)
    record(store, local_time="21:30")
    record(store, status="cancelled", local_time="21:30")
    changes = list_changes(store)
    assert [c.kind for c in changes] == ["cancelled", "details", "announced"]
    feed = ET.fromstring(changes_feed(changes, title="All", feed_id="urn:bandcrawler:x"))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"urn:bandcrawler:change:{c.key}" for c in changes]
    assert "cancelled" in entries[0].find(f"{ATOM}title").text
    assert list_changes(store, band="Someone Else") == []


def test_a_watch_feed_starts_when_the_watch_was_made(store):
    record(store)
    watch = create_watch(store, "paris", {"lat": 48.85, "lon": 2.35, "radius_km": 50})
    record(store, local_time="21:30")
    assert [c.kind for c in list_changes(store, watch=watch)] == ["details"]
    feed = ET.fromstring(watch_feed(store, watch))
    assert len(feed.findall(f"{ATOM}entry")) == 1


def test_history_tells_who_said_what_and_when(store):
    concert_id = record(store)
    record(store, status="cancelled")
    entries = concert_history(store, concert_id)
    assert [e.type for e in entries] == ["ConcertAnnounced", "ConcertGeocoded",
                                        "ConcertCancelled"]
    assert [[c.kind for c in e.changes] for e in entries] == [["announced"], [],
                                                              ["cancelled"]]
    assert entries[-1].source == "jsonld"
    assert entries[-1].source_url == "https://velvet.example/tour"
    assert resolve_concert(store, "https://velvet.example/tour#paris") == concert_id
    assert resolve_concert(store, concert_id) == concert_id
    assert resolve_concert(store, "nothing") is None


def test_a_calendar_of_search_hits_takes_each_concerts_sequence_from_the_log(store):
    from bandcrawler.services.calendars import concerts_calendar
    from bandcrawler.services.history import timelines

    concert_id = record(store)
    record(store, local_time="21:30")
    [timeline] = timelines(store, [concert_id])  # a hit: the concert's public view
    event = events_by_uid(concerts_calendar(store, [timeline.concert], name="search"))[
        concert_id]
    assert int(event["SEQUENCE"]) == 1


def test_a_watch_is_found_by_its_feed_token_only(store):
    from bandcrawler.services.watches import watch_by_token

    watch = create_watch(store, "paris", {})
    assert watch_by_token(store, watch.token).name == "paris"
    assert watch_by_token(store, watch.token[:-1] + "x") is None
