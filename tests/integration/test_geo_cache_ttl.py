"""GeocodeCache in SQLite: "not found" expires after its time to live, results never do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bandcrawler.geo.cache import GeocodeCache
from bandcrawler.geo.model import GeoResult
from bandcrawler.store.engine import make_engine

PRAHA = GeoResult(50.088, 14.42, "city", "Europe/Prague", "CZ")


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    yield engine
    engine.dispose()


def test_a_miss_stands_within_its_time_to_live_and_expires_after_it(engine):
    clock = Clock()
    cache = GeocodeCache(engine, "svc", miss_ttl_seconds=3600, clock=clock)
    cache.put("Praha, Czechia", None)

    clock.now += timedelta(minutes=59)
    assert cache.get("praha,  czechia") is not None
    assert not cache.get("Praha, Czechia").found

    clock.now += timedelta(minutes=1)
    assert cache.get("Praha, Czechia") is None  # asked again


def test_a_fresh_answer_replaces_an_expired_miss_but_never_a_result(engine):
    clock = Clock()
    cache = GeocodeCache(engine, "svc", miss_ttl_seconds=60, clock=clock)
    cache.put("Praha", None)
    cache.put("Praha", PRAHA)  # within the TTL: the miss stands
    assert not cache.get("Praha").found

    clock.now += timedelta(seconds=61)
    cache.put("Praha", PRAHA)
    assert cache.get("Praha").result == PRAHA

    clock.now += timedelta(days=3650)
    cache.put("Praha", None)  # a result lives forever
    assert cache.get("Praha").result == PRAHA


def test_an_expired_miss_asked_again_and_missed_again_starts_a_new_time_to_live(engine):
    clock = Clock()
    cache = GeocodeCache(engine, "svc", miss_ttl_seconds=60, clock=clock)
    cache.put("Atlantis", None)
    clock.now += timedelta(seconds=90)
    assert cache.get("Atlantis") is None

    cache.put("Atlantis", None)
    clock.now += timedelta(seconds=30)
    assert not cache.get("Atlantis").found


def test_the_time_to_live_is_the_readers(engine):
    """Expiry is decided when reading, so a process given a shorter TTL asks sooner."""
    clock = Clock()
    GeocodeCache(engine, "svc", miss_ttl_seconds=86_400, clock=clock).put("Atlantis", None)
    clock.now += timedelta(seconds=5)

    assert GeocodeCache(engine, "svc", miss_ttl_seconds=86_400, clock=clock).get("Atlantis")
    assert GeocodeCache(engine, "svc", miss_ttl_seconds=1, clock=clock).get("Atlantis") is None
