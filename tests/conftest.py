"""Shared fixtures: real servers on 127.0.0.1 and fresh SQLite files."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bandcrawler.search.client import make_client
from tests.support import postgres
from tests.support.servers import NoidaElasticsearch, elasticsearch_url_from_env

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_runtest_setup(item) -> None:
    """A test marked `requires_postgres` runs on whatever PostgreSQL can be had (see
    tests/support/postgres.py), found when the first such test runs; skips without one."""
    if item.get_closest_marker("postgres") and not postgres.available():
        pytest.skip(postgres.SKIP_REASON)


def pytest_sessionfinish(session, exitstatus) -> None:
    postgres.close()


@pytest.fixture(scope="session")
def es_url(tmp_path_factory) -> str:
    """A real Elasticsearch-compatible server: ELASTICSEARCH_URL when set, else noida-db."""
    external = elasticsearch_url_from_env()
    if external:
        yield external
        return
    server = NoidaElasticsearch(tmp_path_factory.mktemp("noida"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def client(es_url):
    """The official client, connected to the test server."""
    es = make_client(es_url)
    yield es
    es.close()


@pytest.fixture
def index_alias() -> str:
    """A unique alias per test, so tests sharing one server never see each other's documents."""
    return f"concerts-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bandcrawler.db'}"
