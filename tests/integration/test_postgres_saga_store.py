"""The saga store on PostgreSQL: the same tests as on SQLite, with the database swapped."""

from __future__ import annotations

import pytest

from tests.integration.test_saga_store import *  # noqa: F403 - the same suite, collected here
from tests.support.postgres import postgres_schema_url, requires_postgres

pytestmark = requires_postgres


@pytest.fixture
def database_url():
    with postgres_schema_url() as url:
        yield url
