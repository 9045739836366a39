"""Concerts recorded twice before the canonical-town rule: reported, both ids kept."""

from __future__ import annotations

import pytest

from bandcrawler.domain.concert import listing_from
from bandcrawler.services.concerts import record_listing
from bandcrawler.services.duplicates import recorded_twice
from bandcrawler.services.projections import catch_up
from bandcrawler.services.validation import clean_item
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import ConcertRepository
from bandcrawler.store.write_model import WriteModelProjector

META = {"spider": "test"}


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    yield EventStore(engine)
    engine.dispose()


@pytest.fixture
def repository(store) -> ConcertRepository:
    return ConcertRepository(store)


def listing(old_rule: bool, **changes):
    item = {"band_id": "the-lantern-choir", "band": "The Lantern Choir", "source": "ical",
            "source_id": "tlc-wien@kalender.example", "local_date": "2031-03-14",
            "local_time": "20:00", "utc_offset": "+01:00", "venue_name": "Arena Wien",
            "venue_city": "Wien", "venue_country": "AT"}
    fields = clean_item({**item, **changes})
    if old_rule:  # as recorded before issue 12: no canonical town in the identity
        fields["place_key"] = None
    return listing_from(fields)


VIENNA = {"source": "bandsintown", "source_id": "2031314", "venue_name": "Arena",
          "venue_city": "Vienna", "venue_country": "Austria"}


def test_a_night_recorded_twice_under_two_city_names_is_reported_and_both_ids_stay(
        store, repository):
    first = record_listing(repository, listing(True), META)
    second = record_listing(repository, listing(True, **VIENNA), META)
    assert first.concert_id != second.concert_id  # the old rule made two concerts
    catch_up(WriteModelProjector(store.engine, store), store)
    [group] = recorded_twice(store.engine)
    assert sorted(c["concert_id"] for c in group) == sorted(
        [first.concert_id, second.concert_id])
    # Re-crawled under the new rule, each listing still finds its own concert by its
    # source id: nothing is merged, nothing breaks.
    again = record_listing(repository, listing(False, **VIENNA), META)
    assert again.concert_id == second.concert_id and again.appended == 0


def test_under_the_new_rule_the_same_night_is_one_concert_and_nothing_is_reported(
        store, repository):
    first = record_listing(repository, listing(False), META)
    second = record_listing(repository, listing(False, **VIENNA), META)
    assert first.concert_id == second.concert_id
    catch_up(WriteModelProjector(store.engine, store), store)
    assert recorded_twice(store.engine) == []
