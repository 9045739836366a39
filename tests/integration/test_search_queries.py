"""SearchFilters against a real server: near a place, dates, band, country, status, text."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.search.queries import SearchFilters, search

PARIS = (48.8566, 2.3522)


def _concert(concert_id, band, local_date, city, country, lat, lon, **extra):
    return {
        "concert_id": concert_id,
        "band_id": band.lower().replace(" ", "-"),
        "band": band,
        "title": f"{band} live in {city}",
        "local_date": local_date,
        "status": "scheduled",
        "venue": {"name": f"{city} Arena", "city": city, "country": country},
        "location": {"lat": lat, "lon": lon},
        "geo_precision": "venue",
        "lineup": [band],
        "version": 1,
        **extra,
    }


CONCERTS = [
    _concert("paris-1", "Radiohead", "2025-06-10", "Paris", "FR", 48.8566, 2.3522,
             local_time="20:00"),
    _concert("paris-2", "Radiohead", "2025-06-10", "Paris", "FR", 48.8566, 2.3522,
             local_time="18:30", lineup=["Radiohead", "Low"]),
    _concert("lyon", "Radiohead", "2025-06-12", "Lyon", "FR", 45.7640, 4.8357,
             status="cancelled"),
    _concert("berlin", "Arctic Monkeys", "2025-07-01", "Berlin", "DE", 52.5200, 13.4050),
]


@pytest.fixture(scope="module")
def alias(es_url):
    """One index with the four concerts, shared by the read-only tests of this module."""
    client = make_client(es_url)
    index = ConcertIndex(client, f"concerts-test-{uuid.uuid4().hex[:8]}")
    index.ensure()
    indexer = BulkIndexer(client, index.alias)
    for doc in CONCERTS:
        indexer.add(doc["concert_id"], doc["version"], doc)
    assert not indexer.flush().failed
    index.refresh()
    yield index.alias
    index.drop()
    client.close()


def _ids(client, alias, **filters) -> list[str]:
    return [hit.concert_id for hit in search(client, alias, SearchFilters(**filters))]


def test_no_filters_lists_everything_by_date_then_time(client, alias):
    assert _ids(client, alias) == ["paris-2", "paris-1", "lyon", "berlin"]


def test_near_finds_only_concerts_within_the_radius(client, alias):
    assert _ids(client, alias, lat=PARIS[0], lon=PARIS[1], radius_km=100) == ["paris-2", "paris-1"]


def test_near_sorts_by_distance_and_reports_it_in_km(client, alias):
    hits = search(client, alias, SearchFilters(lat=PARIS[0], lon=PARIS[1], radius_km=1000))

    assert [hit.concert_id for hit in hits] == ["paris-2", "paris-1", "lyon", "berlin"]
    distances = [hit.distance_km for hit in hits]
    assert distances[0] == pytest.approx(0, abs=0.5)
    assert distances[2] == pytest.approx(392, abs=5)  # Paris-Lyon
    assert distances[3] == pytest.approx(878, abs=8)  # Paris-Berlin


def test_without_a_place_there_is_no_distance(client, alias):
    assert all(hit.distance_km is None for hit in search(client, alias, SearchFilters()))


def test_date_range_is_inclusive_on_both_ends(client, alias):
    got = _ids(client, alias, date_from=date(2025, 6, 10), date_to=date(2025, 6, 12))
    assert got == ["paris-2", "paris-1", "lyon"]


def test_date_range_bounds_are_optional(client, alias):
    assert _ids(client, alias, date_from=date(2025, 6, 11)) == ["lyon", "berlin"]
    assert _ids(client, alias, date_to=date(2025, 6, 11)) == ["paris-2", "paris-1"]


def test_band_matches_regardless_of_case(client, alias):
    assert _ids(client, alias, band="radiohead") == ["paris-2", "paris-1", "lyon"]
    assert _ids(client, alias, band="arctic monkeys") == ["berlin"]


def test_band_requires_every_word(client, alias):
    assert _ids(client, alias, band="arctic radiohead") == []


def test_country_is_an_iso_code_in_any_case(client, alias):
    assert _ids(client, alias, country="de") == ["berlin"]


def test_status(client, alias):
    assert _ids(client, alias, status="cancelled") == ["lyon"]


def test_text_searches_band_title_venue_and_lineup(client, alias):
    assert _ids(client, alias, text="lyon") == ["lyon"]
    assert _ids(client, alias, text="Low") == ["paris-2"]
    assert _ids(client, alias, text="monkeys") == ["berlin"]


def test_text_words_may_match_in_different_fields(client, alias):
    assert _ids(client, alias, text="radiohead lyon") == ["lyon"]


def test_limit(client, alias):
    assert _ids(client, alias, limit=2) == ["paris-2", "paris-1"]


def test_filters_combine(client, alias):
    got = _ids(client, alias, lat=PARIS[0], lon=PARIS[1], radius_km=500, band="Radiohead",
               status="scheduled", country="FR")
    assert got == ["paris-2", "paris-1"]
