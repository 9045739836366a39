"""The concert cache: never stale, and a cached state is never changed by its users."""

from __future__ import annotations

from bandcrawler.domain import events as ev
from bandcrawler.domain.concert import Concert
from bandcrawler.store.repository import ConcertCache


def announced(concert_id: str = "c1") -> Concert:
    concert = Concert(concert_id)
    concert.apply(ev.ConcertAnnounced(concert_id, "b1", "Band", "jsonld",
                                      {"local_date": "2030-01-02", "venue": {"city": "Oslo"}},
                                      "2030-01-01T00:00:00Z"), 1)
    return concert


def test_get_hands_out_copies_that_callers_may_change():
    cache = ConcertCache()
    cache.put([announced()])

    mine = cache.get("c1", 1)
    mine.apply(ev.ConcertCancelled("c1", "jsonld", "2030-01-01T00:00:01Z"), 2)

    assert cache.get("c1", 1).status == "scheduled"
    assert cache.get("c1", 2) is None  # only the version it holds


def test_put_keeps_a_copy_unless_the_state_is_handed_over():
    cache, concert = ConcertCache(), announced()
    cache.put([concert])
    assert cache.get("c1", 1, copy=False) is not concert

    cache.put([concert], owned=True)
    assert cache.get("c1", 1, copy=False) is concert
    assert cache.get("c1", 1) is not concert  # a copy by default


def test_a_state_never_recorded_is_not_kept():
    cache = ConcertCache()
    cache.put([Concert("new")])

    assert cache.get("new", 0) is None


def test_least_recently_used_go_first():
    cache = ConcertCache(size=2)
    cache.put([announced("a"), announced("b")])
    cache.get("a", 1)
    cache.put([announced("c")])

    assert cache.get("b", 1) is None
    assert cache.get("a", 1) is not None and cache.get("c", 1) is not None
