"""Batch inserts and upserts give the same rows on every database: JSON, booleans, floats and
NULLs read back as written, an upsert changes only what it names, an insert-or-ignore keeps
the row that was there."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bandcrawler.store.tables import concert_keys, concerts, geocode_cache, saga
from bandcrawler.store.upsert import insert_or_ignore, insert_or_ignore_many, upsert_many


@pytest.fixture
def engine(either_engine):
    return either_engine


def place(query: str, found: bool, latitude: float | None) -> dict:
    return {"provider": "offline", "query": query, "found": found, "latitude": latitude,
            "longitude": None if latitude is None else 2.5, "precision": "city",
            "timezone": None, "country": "FR", "created_at": "2026-11-28T00:00:00Z"}


def rows(engine, table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table).order_by(
            *table.primary_key.columns))]


def test_upsert_many_inserts_then_updates_every_column_but_the_keys(engine):
    with engine.begin() as conn:
        upsert_many(conn, geocode_cache, [place("lyon", True, 45.75), place("nowhere", False,
                                                                              None)],
                    ["provider", "query"])
    with engine.begin() as conn:
        upsert_many(conn, geocode_cache, [place("nowhere", True, -12.125)],
                    ["provider", "query"])

    assert rows(engine, geocode_cache) == [place("lyon", True, 45.75),
                                           place("nowhere", True, -12.125)]


def test_insert_or_ignore_many_keeps_the_row_that_was_there(engine):
    with engine.begin() as conn:
        insert_or_ignore_many(conn, concert_keys, [{"key": "a", "concert_id": "first"}])
        insert_or_ignore_many(conn, concert_keys, [{"key": "a", "concert_id": "second"},
                                                   {"key": "b", "concert_id": "second"}])

    assert rows(engine, concert_keys) == [{"key": "a", "concert_id": "first"},
                                          {"key": "b", "concert_id": "second"}]


def test_insert_or_ignore_says_whether_the_row_went_in(engine):
    with engine.begin() as conn:
        assert insert_or_ignore(conn, concert_keys, {"key": "a", "concert_id": "first"})
        assert not insert_or_ignore(conn, concert_keys, {"key": "a", "concert_id": "second"})

    assert rows(engine, concert_keys) == [{"key": "a", "concert_id": "first"}]


def test_a_row_without_a_defaulted_column_gets_its_default(engine):
    row = {"concert_id": "c", "version": 1, "persisted_version": 0, "indexed_version": 0,
           "pending_step": None, "last_error": None, "attempts": 0, "next_retry_at": None,
           "updated_at": "2026-11-28T00:00:00Z"}  # no "geocoded": the column's default
    with engine.begin() as conn:
        upsert_many(conn, saga, [row], ["concert_id"])

    assert rows(engine, saga) == [{**row, "geocoded": False}]


def test_json_columns_read_back_as_written(engine):
    row = {column.name: None for column in concerts.columns}
    row.update(concert_id="c", band_id="b", band="Band", local_date="2031-03-04",
               status="scheduled", listed=True, lineup=["Band", "Support — “Act”"],
               sources=[], first_seen="2026-11-28T00:00:00Z", updated_at="2026-11-28T00:00:00Z",
               version=1, latitude=45.75)
    with engine.begin() as conn:
        upsert_many(conn, concerts, [row], ["concert_id"])
        upsert_many(conn, concerts, [{**row, "sources": ["website"], "listed": False}],
                    ["concert_id"])

    assert rows(engine, concerts) == [{**row, "sources": ["website"], "listed": False}]
