"""Events keep their meaning forever: a log written by an earlier version of the code replays
into the same write model and read model. A change of an event's shape without an upcaster
(bandcrawler/domain/upcasting.py) fails here; so does a change of what a replay makes of the
same events (then say so, and make the files again: tests/fixtures/frozen_log/make.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bandcrawler.domain.events import EVENT_TYPES, event_from
from bandcrawler.domain.upcasting import upcast
from tests.support import frozen_log

LOG = frozen_log.read_log()


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(frozen_log.EXPECTED.read_text(encoding="utf-8"))


def test_the_frozen_log_holds_every_event_type_many_times():
    counts = {kind: sum(row["type"] == kind for row in LOG) for kind in EVENT_TYPES}

    assert len(LOG) >= 300
    assert min(counts.values()) >= 5, counts


def test_every_frozen_event_upcast_has_exactly_the_fields_of_todays_event():
    for row in LOG:
        data = upcast(row["type"], row["schema_version"], row["data"])
        fields = {f.name for f in dataclasses.fields(EVENT_TYPES[row["type"]])}

        assert set(data) == fields, (row["position"], row["type"])
        assert event_from(row["type"], data).to_data() == data


def test_the_frozen_log_replays_into_the_committed_write_model_and_read_model(
        database_url, es_url, index_alias, expected):
    found = frozen_log.replay(database_url, es_url, index_alias, LOG)

    for table in ("bands", "band_sources", "concerts", "documents"):
        assert len(found[table]) == len(expected[table]), table
        for got, want in zip(found[table], expected[table], strict=True):
            assert got == want, table


def test_geocoded_events_stored_before_they_had_a_country_replay_the_same(
        database_url, es_url, index_alias, expected):
    """The same log as an earlier schema wrote it (ConcertGeocoded v1: no `country`; every
    listing here names its country, so the country found changes nothing)."""
    old = [{**row, "schema_version": 1,
            "data": {k: v for k, v in row["data"].items() if k != "country"}}
           if row["type"] == "ConcertGeocoded" else row for row in LOG]
    assert any(row["schema_version"] == 1 and row["type"] == "ConcertGeocoded" for row in old)

    found = frozen_log.replay(database_url, es_url, index_alias, old)

    assert found["concerts"] == expected["concerts"]
    assert found["documents"] == expected["documents"]
