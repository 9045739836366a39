"""Fixtures for the tests that run on both databases."""

from __future__ import annotations

import pytest

from bandcrawler.store.engine import make_engine
from tests.support.postgres import postgres_schema_url, requires_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=requires_postgres)])
def either_database_url(request, tmp_path):
    """The test on SQLite, and again on PostgreSQL when the suite has one (a schema of its
    own, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bandcrawler.db'}"
        return
    with postgres_schema_url() as url:
        yield url


@pytest.fixture
def either_engine(either_database_url):
    engine = make_engine(either_database_url)
    yield engine
    engine.dispose()
