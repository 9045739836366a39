"""Changes people call news, derived from a concert's views, and who hears of them."""

from __future__ import annotations

from datetime import date

import pytest

from bandcrawler.domain import events as ev
from bandcrawler.domain.changes import Said, changes_between, describe, history_changes
from bandcrawler.domain.watch import Watch, decide_create, decide_remove
from bandcrawler.notify.matching import news_for


def view(**changes):
    base = {"concert_id": "c1", "band_id": "the-velvet-lanterns", "band": "The Velvet Lanterns",
            "title": "Live", "local_date": "2030-03-14", "local_time": "20:00",
            "status": "scheduled", "listed": True, "lineup": ["The Velvet Lanterns"],
            "venue": {"name": "La Cigale", "address": None, "city": "Paris", "region": None,
                      "country": "FR"},
            "location": {"lat": 48.8566, "lon": 2.3522}, "url": None, "ticket_url": None}
    return {**base, **changes}


SAID = Said("jsonld", "https://velvet.example/tour", "2026-12-01T10:00:00Z", 7,
            "ConcertDetailsChanged")


def test_a_time_change_says_before_and_after_and_who_said_it():
    event = ev.ConcertDetailsChanged("c1", "jsonld", {"local_time": "21:30"}, SAID.at)
    [change] = changes_between(view(), view(local_time="21:30"), [(event, SAID)], 7, SAID.at)
    assert (change.kind, change.before, change.after) == (
        "details", {"local_time": "20:00"}, {"local_time": "21:30"})
    assert describe(change) == ("time changed from 20:00 to 21:30 — said by the band's "
                                "website, 2026-12-01")


def test_a_cancellation_is_its_own_kind_with_its_source():
    event = ev.ConcertCancelled("c1", "jsonld", SAID.at)
    [change] = changes_between(view(), view(status="cancelled"), [(event, SAID)], 7, SAID.at)
    assert change.kind == "cancelled"
    assert describe(change) == "cancelled — said by the band's website, 2026-12-01"


def test_unlisting_and_listing_again_are_news_but_a_new_location_is_not():
    assert [c.kind for c in changes_between(view(), view(listed=False), [], 1, "")] == [
        "unlisted"]
    assert [c.kind for c in changes_between(view(listed=False), view(), [], 1, "")] == [
        "relisted"]
    moved_pin = view(location={"lat": 48.0, "lon": 2.0},
                     venue={**view()["venue"], "country": None})
    assert changes_between(moved_pin, view(), [], 1, "") == []


def test_a_stream_yields_one_list_of_changes_per_event():
    details = {"local_date": "2030-03-14", "local_time": "20:00", "venue": {"city": "Paris"}}
    stream = [(ev.ConcertAnnounced("c1", "b", "B", "jsonld", details, "t1"), 1, 1, {}, "t1"),
              (ev.ConcertGeocoded("c1", 48.85, 2.35, "city", "Europe/Paris", "t2", "FR"),
               2, 2, {}, "t2"),
              (ev.ConcertCancelled("c1", "jsonld", "t3"), 3, 3, {}, "t3")]
    assert [[c.kind for c in found] for found in history_changes(stream)] == [
        ["announced"], [], ["cancelled"]]


def watch(**spec):
    w = Watch("paris")
    [created] = decide_create(w, "paris", spec, "token", False, "t")
    w.apply(created, 1, 10)
    return w


def test_a_watch_near_a_place_hears_of_concerts_within_its_radius_only():
    near = watch(lat=48.85, lon=2.35, radius_km=100)
    far = view(location={"lat": 52.52, "lon": 13.405})
    assert near.matches(view()) is True
    assert near.matches(far) is False
    assert near.matches(view(location=None)) is None  # not placed yet


def test_a_concert_placed_only_now_is_announced_to_a_watch_near_it():
    near = watch(lat=48.85, lon=2.35, radius_km=100)
    [change] = news_for(near, view(location=None), view(), [], 3, "t")
    assert change.kind == "announced"


def test_a_concert_moving_out_of_the_area_is_still_news():
    near = watch(lat=48.85, lon=2.35, radius_km=100)
    berlin = view(venue={**view()["venue"], "city": "Berlin"},
                  location={"lat": 52.52, "lon": 13.405})
    assert [c.kind for c in news_for(near, view(), berlin, [], 3, "t")] == ["details"]


def test_a_watch_hears_only_of_the_kinds_it_asked_for():
    cancels = watch(changes=["cancelled"])
    assert news_for(cancels, view(), view(local_time="22:00"), [], 3, "t") == []
    assert [c.kind for c in news_for(cancels, view(), view(status="cancelled"), [], 3, "t")
            ] == ["cancelled"]


def test_a_watch_within_days_counts_from_today():
    soon = watch(within_days=30)
    assert soon.matches(view(local_date="2030-03-14"), date(2030, 3, 1)) is True
    assert soon.matches(view(local_date="2030-05-14"), date(2030, 3, 1)) is False


def test_watch_names_are_unique_until_removed_and_kinds_are_checked():
    w = watch()
    with pytest.raises(ValueError, match="exists"):
        decide_create(w, "paris", {}, "t", False, "t")
    with pytest.raises(ValueError, match="unknown change kind"):
        decide_create(Watch("x"), "x", {"changes": ["exploded"]}, "t", False, "t")
    [removed] = decide_remove(w, "t")
    w.apply(removed, 2, 20)
    assert w.removed and not w.active_at(21) and w.active_at(15)
