"""Database failures reach the store's callers as its own exceptions (store/errors.py): a URL
or server that cannot be had is StoreUnavailable, a key already taken is KeyTaken, anything
else the database refuses is a StoreError; each says one line, without SQL, parameters or the
URL's password, and keeps the driver's exception as its cause. On SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import Engine, create_engine, select, text

from bandcrawler.store.engine import make_engine
from bandcrawler.store.errors import KeyTaken, StoreError, StoreUnavailable
from bandcrawler.store.tables import geocode_cache
from bandcrawler.store.upsert import insert_many
from tests.support.postgres import postgres_schema_url, requires_postgres, server_url

SECRET = "s3cr3t-do-not-print"
ROW = {"provider": "svc", "query": "praha", "found": False, "created_at": "2026-01-01T00:00:00"}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def said(caught: pytest.ExceptionInfo) -> str:
    """The exception's message, checked to be one line that gives no secret away."""
    message = str(caught.value)
    assert len(message.splitlines()) == 1, message
    assert SECRET not in message
    assert "[SQL:" not in message and "INSERT" not in message and "DETAIL" not in message
    return message


@pytest.mark.parametrize(("url", "says"), [
    ("notaurl", "ArgumentError: Could not parse SQLAlchemy URL"),
    (" ", "ArgumentError: Could not parse SQLAlchemy URL"),
    ("foo://x", "NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:foo"),
    (f"postgresql+psycopg2://u:{SECRET}@127.0.0.1/db", "No module named 'psycopg2'"),
    (f"postgresql://u:{SECRET}@127.0.0.1:notaport/db", "port is not a number"),
    (f"postgresql://u:ab@cd:{SECRET}@127.0.0.1/db", "port is not a number"),  # an unquoted @
], ids=["not-a-url", "blank", "no-such-dialect", "driver-not-installed", "bad-port",
        "unquoted-at-in-password"])
def test_a_url_that_cannot_work_is_store_unavailable(url, says):
    with pytest.raises(StoreUnavailable) as caught:
        make_engine(url)

    assert says in said(caught)
    assert caught.value.__cause__ is not None


def test_a_sqlite_file_that_cannot_be_opened_is_store_unavailable(tmp_path):
    with pytest.raises(StoreUnavailable) as caught:
        make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")

    assert said(caught) == "OperationalError: unable to open database file"
    assert type(caught.value.__cause__).__module__ == "sqlite3"


def test_an_unreachable_postgresql_is_store_unavailable_without_its_password():
    url = f"postgresql://bandcrawler:{SECRET}@127.0.0.1:{closed_port()}/bandcrawler"

    with pytest.raises(StoreUnavailable) as caught:
        make_engine(url)

    assert said(caught).startswith("OperationalError: connection failed")
    assert "Connection refused" in str(caught.value)
    assert type(caught.value.__cause__).__module__.startswith("psycopg")


@requires_postgres
def test_a_postgresql_database_that_does_not_exist_is_store_unavailable():
    server = server_url().rsplit("/", 1)[0]

    with pytest.raises(StoreUnavailable) as caught:
        make_engine(f"{server}/bandcrawler_no_such_database")

    assert 'database "bandcrawler_no_such_database" does not exist' in said(caught)


@pytest.fixture
def engine(either_engine):
    return either_engine


def test_a_key_already_taken_is_key_taken(engine):
    with engine.begin() as conn:
        insert_many(conn, geocode_cache, [ROW])

    with pytest.raises(KeyTaken) as caught, engine.begin() as conn:
        insert_many(conn, geocode_cache, [{**ROW, "created_at": SECRET}])

    assert "unique" in said(caught).lower()
    assert isinstance(caught.value.__cause__, engine.dialect.loaded_dbapi.IntegrityError)


def test_a_value_a_constraint_refuses_is_a_store_error_but_no_key_taken(engine):
    with pytest.raises(StoreError) as caught, engine.begin() as conn:
        insert_many(conn, geocode_cache, [{**ROW, "found": None}])  # NOT NULL

    assert not isinstance(caught.value, KeyTaken | StoreUnavailable)
    assert "null" in said(caught).lower()


def test_a_key_taken_inside_a_savepoint_leaves_the_transaction_usable(engine):
    with engine.begin() as conn:
        insert_many(conn, geocode_cache, [ROW])
        with pytest.raises(KeyTaken), conn.begin_nested():
            insert_many(conn, geocode_cache, [ROW])
        insert_many(conn, geocode_cache, [{**ROW, "query": "brno"}])  # PostgreSQL: not aborted

    with engine.connect() as conn:
        assert sorted(conn.execute(select(geocode_cache.c.query)).scalars()) == ["brno", "praha"]


# -- connections the server closed (PostgreSQL) ---------------------------------------------

def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(url: str, pid: int) -> None:
    """End a server process from another connection, and wait until it is gone."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                               {"pid": pid}).scalar_one() and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        admin.dispose()


@requires_postgres
def test_a_pooled_connection_the_server_closed_is_replaced_unnoticed():
    # pool_pre_ping reads the driver's error to reconnect; the translation must let it.
    with postgres_schema_url() as url:
        engine = make_engine(url)
        try:
            pooled = _backend_pid(engine)
            _terminate(url, pooled)

            assert _backend_pid(engine) != pooled
        finally:
            engine.dispose()


@requires_postgres
def test_a_connection_lost_mid_transaction_is_store_unavailable_and_never_reused():
    with postgres_schema_url() as url:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                lost = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
                _terminate(url, lost)
                with pytest.raises(StoreUnavailable) as caught:
                    conn.execute(text("SELECT 1"))
                assert conn.invalidated
            said(caught)

            assert _backend_pid(engine) != lost
        finally:
            engine.dispose()
