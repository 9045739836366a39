"""A fresh PostgreSQL schema per test, on the server in BANDCRAWLER_TEST_POSTGRES_URL."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bandcrawler.store.engine import normalize_url

ENV = "BANDCRAWLER_TEST_POSTGRES_URL"

requires_postgres = pytest.mark.skipif(
    not os.environ.get(ENV), reason=f"{ENV} is not set (.ci/run sets it)")


def server_url() -> str:
    return normalize_url(os.environ[ENV])


@contextlib.contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a new, empty schema (dropped afterwards): every
    process given the URL, including subprocesses, sees the same schema and nothing else."""
    base = server_url()
    schema = f"bc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
