"""Property: whatever the listings and watches, the changes delivered are those a naive
recomputation over the log finds (each concert replayed whole at every follower run)."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bandcrawler.domain.concert import replay
from bandcrawler.domain.events import event_from
from bandcrawler.domain.view import concert_document
from bandcrawler.notify.follower import NotificationFollower
from bandcrawler.notify.matching import news_for
from bandcrawler.services.projections import catch_up
from bandcrawler.services.watches import create_watch, load_watches
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.tables import deliveries
from tests.support.alerts import record

listings = st.fixed_dictionaries({
    "source_id": st.sampled_from(["a", "b", "c"]),
    "venue_city": st.sampled_from(["Paris", "Versailles", "Berlin"]),
    "local_time": st.sampled_from(["20:00", "21:30"]),
    "status": st.sampled_from(["scheduled", "cancelled", "postponed"]),
})
watches = st.fixed_dictionaries({
    "near": st.booleans(),
    "changes": st.lists(st.sampled_from(["announced", "cancelled", "postponed", "details"]),
                        min_size=1, unique=True),
})
steps = st.lists(st.one_of(st.tuples(st.just("listing"), listings),
                           st.tuples(st.just("watch"), watches),
                           st.tuples(st.just("follow"), st.none())), max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_delivered_changes_are_what_a_naive_recomputation_finds(plan):
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'p.db'}")
        try:
            store = EventStore(engine)
            runs = _run(store, plan)
            assert _delivered(engine) == _naive(store, runs)
        finally:
            engine.dispose()


def _run(store: EventStore, plan) -> list[int]:
    """Carry out the plan; returns the positions each follower run reached (from 0)."""
    follower, runs, number = NotificationFollower(store.engine), [0], 0
    for kind, value in [*plan, ("follow", None)]:
        if kind == "listing":
            record(store, **{**value, "venue_name": f"Hall {value['venue_city']}",
                             "local_date": f"2030-03-1{'abc'.index(value['source_id'])}"})
        elif kind == "watch":
            number += 1
            spec = {"changes": value["changes"], "webhooks": ["http://127.0.0.1:9/"]}
            if value["near"]:
                spec.update(lat=48.8566, lon=2.3522, radius_km=50)
            create_watch(store, f"w{number}", spec)
        else:
            runs.append(catch_up(follower, store))
    return runs


def _delivered(engine) -> set[tuple]:
    with engine.connect() as conn:
        payloads = conn.execute(select(deliveries.c.payload)).scalars().all()
    return {(p["watch_id"], c["concert_id"], c["kind"], p["positions"][1])
            for p in payloads for c in p["changes"]}


def _naive(store: EventStore, runs: list[int]) -> set[tuple]:
    with store.engine.connect() as conn:
        all_watches = load_watches(conn)
    log = list(store.read_all(0))
    streams = {e.stream_id for e in log if e.stream_id.startswith("concert-")}
    expected = set()
    for start, end in itertools.pairwise(runs):
        for watch in all_watches:
            cut = max(start, watch.since_position)
            for stream in streams:
                events = [e for e in log if e.stream_id == stream]
                if cut >= end or not any(cut < e.position <= end for e in events):
                    continue
                previous = _view(stream, [e for e in events if e.position <= cut])
                current = _view(stream, [e for e in events if e.position <= end])
                for change in news_for(watch, previous, current, [], end, ""):
                    expected.add((watch.watch_id, change.concert_id, change.kind, end))
    return expected


def _view(stream: str, events) -> dict | None:
    if not events:
        return None
    concert = replay(stream.removeprefix("concert-"),
                     [(event_from(e.type, e.data), e.version) for e in events])
    return concert_document(concert)
