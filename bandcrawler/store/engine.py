"""Engine factory: SQLite in WAL mode with a busy timeout, or PostgreSQL; schema by Alembic;
database errors raised as the store's own (errors.py)."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from collections.abc import Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson  # encodes and decodes the events' JSON several times faster than the json module
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Select,
    String,
    create_engine,
    event,
    inspect,
    make_url,
    text,
    type_coerce,
)
from sqlalchemy.exc import ArgumentError

from bandcrawler.gc_pause import cyclic_gc_paused
from bandcrawler.store.errors import StoreUnavailable, one_line, translate

if TYPE_CHECKING:  # Alembic is imported only when the schema is not at HEAD_REVISION
    from alembic.script import ScriptDirectory

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = "bandcrawler.store.migrations"
# The revision whose tables `metadata.create_all` made before migrations existed.
BASELINE_REVISION = "0001"
# The latest migration's revision (a unit test checks it against the migrations): a database
# at it needs no upgrade, which is found out without importing Alembic (0.2 s of a crawl).
HEAD_REVISION = "0004"
# Serializes concurrent schema upgrades on PostgreSQL (any constant; "bandcrawler" in ASCII).
_MIGRATION_LOCK_KEY = 0x62616E64


def make_engine(url: str) -> Engine:
    """Create an engine for `url` and bring its schema up to the latest migration. Raises
    StoreUnavailable for a URL that cannot work (its message never holds the password)."""
    engine = _create_engine(normalize_url(url))
    event.listen(engine, "handle_error", translate)
    upgrade_schema(engine)
    return engine


def _create_engine(url: str) -> Engine:
    """The engine for `url`, or StoreUnavailable when the URL cannot work."""
    try:
        password = make_url(url).password
    except ArgumentError as exc:  # not a URL (the message quotes none of it)
        raise StoreUnavailable(one_line(exc)) from exc
    except ValueError as exc:  # its message would quote what came after a "@" in a password
        raise StoreUnavailable("ValueError: the URL's port is not a number") from exc
    sqlite = url.startswith("sqlite")
    options: dict[str, Any] = ({"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
                               if sqlite else {"pool_pre_ping": True})
    try:
        engine = create_engine(url, json_serializer=json_dumps, json_deserializer=json_loads,
                               **options)
    except (ArgumentError, ImportError) as exc:  # no such dialect, or its driver not installed
        raise StoreUnavailable(one_line(exc, password)) from exc
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "engine_connect", _forget_autobegin)
        event.listen(engine, "before_execute", _note_autobegin)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def json_dumps(value: object) -> str:
    """JSON columns' text: orjson's (compact, UTF-8), the same values as `json.dumps`; what
    orjson declines (an integer beyond 64 bits) goes to `json.dumps`. A float NaN or
    infinity is written as null, as orjson writes it (validation keeps them out of events)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value)


def json_loads(text: str | bytes) -> object:
    """The value of a JSON column: orjson's, or `json.loads`'s for what orjson rejects (NaN)
    or would read as a float (an integer beyond 64 bits)."""
    raw = text.encode() if isinstance(text, str) else text
    if _may_hold_long_integer(raw):
        return json.loads(raw)
    try:
        return orjson.loads(raw)
    except ValueError:  # orjson.JSONDecodeError is one
        return json.loads(raw)


def json_loads_many(texts: Sequence[str]) -> list[object]:
    """The values of many JSON texts, decoded by one orjson call over them as one array
    (the cost of a call is most of the cost of decoding a small value); each on its own
    (`json_loads`) when the array holds what orjson would not read exactly, or does not
    hold exactly one value per text."""
    if not texts:
        return []
    raw = ("[" + ",".join(texts) + "]").encode()
    if not _may_hold_long_integer(raw):
        try:
            values = orjson.loads(raw)
        except ValueError:
            values = None
        if values is not None and len(values) == len(texts):
            return values
    return [json_loads(text) for text in texts]


def _may_hold_long_integer(raw: bytes) -> bool:
    """Whether a number of 20 digits or more (19 after a "-") may begin somewhere in `raw`:
    orjson reads one beyond 64 bits as a float. One C pass turns digits and "-" into "0"
    and what may precede a number into ","; a run of digits inside a string (an id) seldom
    follows one of those, and when it does the text is only decoded the slower way."""
    return _LONG_NUMBER in (b"," + raw).translate(_NUMBER_CHARS)


_NUMBER_CHARS = bytes.maketrans(b"-0123456789,:[ \t\r\n", b"0" * 11 + b"," * 7)
_LONG_NUMBER = b"," + b"0" * 20


def fetch_decoded(conn: Connection, query: Select) -> list[tuple]:
    """The rows of `query` as tuples, its JSON columns decoded. On SQLite they are selected
    as their text and all of a result's values decoded at once (`json_loads_many`), not one
    by one through the JSON type's result processing; other drivers decode JSON as they
    read it."""
    columns = list(query.selected_columns)
    at = [i for i, column in enumerate(columns) if isinstance(column.type, JSON)]
    if conn.dialect.name != "sqlite" or not at:
        return [tuple(row) for row in conn.execute(query)]
    as_text = [type_coerce(c, String) if i in at else c for i, c in enumerate(columns)]
    rows = conn.execute(query.with_only_columns(*as_text)).all()
    if not rows:
        return []
    by_column: list[Sequence[object]] = list(zip(*rows, strict=True))
    with cyclic_gc_paused():  # most of what a read allocates is made here
        values = json_loads_many([row[i] for row in rows for i in at])
    for k, i in enumerate(at):
        by_column[i] = values[k::len(at)]
    return list(zip(*by_column, strict=True))


def normalize_url(url: str) -> str:
    """`postgresql://…` means the psycopg (3) driver, the one bandcrawler depends on."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def upgrade_schema(engine: Engine) -> None:
    """`alembic upgrade head`, once, even when several processes start at the same moment."""
    if _at_head_revision(engine):
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from alembic.runtime.migration import MigrationContext

    script = _script_directory()
    with engine.connect() as conn:
        if set(MigrationContext.configure(conn).get_current_heads()) == set(script.get_heads()):
            return
    # SQLite: BEGIN IMMEDIATE already makes this transaction the only writer.
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": _MIGRATION_LOCK_KEY})
        config = AlembicConfig()
        config.set_main_option("script_location", _script_location())
        config.attributes["connection"] = conn
        if _created_before_migrations(conn):
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")


def _at_head_revision(engine: Engine) -> bool:
    """True when the database says it is at HEAD_REVISION (and only that)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return set(found) == {HEAD_REVISION}


def _created_before_migrations(conn: Connection) -> bool:
    tables = inspect(conn)
    return tables.has_table("events") and not tables.has_table("alembic_version")


@functools.cache
def _script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(_script_location())


@functools.cache
def _script_location() -> str:
    """A directory holding the migrations: the package's own, or a copy when the package
    lives in a zip (a scrapyd egg), because Alembic reads its scripts from the filesystem."""
    migrations = files(MIGRATIONS)
    if isinstance(migrations, Path):
        return str(migrations)
    target = Path(tempfile.mkdtemp(prefix="bandcrawler-migrations-"))
    atexit.register(shutil.rmtree, target, True)
    _copy_tree(migrations, target)
    return str(target)


def _copy_tree(source: Traversable, target: Path) -> None:
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            (target / entry.name).mkdir()
            _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


# SQLite transactions. pysqlite's own handling defers BEGIN until the first write, which lets
# two writers both read and then fail to upgrade their lock (SQLITE_BUSY at once: the busy
# handler cannot help a transaction whose snapshot is stale). So an explicit transaction
# (`engine.begin()`, `conn.begin()`: the writers, which often read first) begins IMMEDIATE:
# the only writer until it ends. One that begins because a statement ran outside any
# transaction (autobegin, the reads of `engine.connect()`, which never commit) begins
# DEFERRED: in WAL mode a reader takes no lock, so it neither waits for the writer nor
# holds it up. Anything else (`begin_nested()` outside a transaction, `exec_driver_sql`,
# which runs no `before_execute`) begins IMMEDIATE: the safe side.
_AUTOBEGIN = "bandcrawler_autobegin"


def _note_autobegin(conn: Connection, *_args) -> None:
    """A statement is about to run outside a transaction: the one it begins is a read."""
    if not conn.in_transaction():
        conn.info[_AUTOBEGIN] = True


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN" if conn.info.pop(_AUTOBEGIN, False) else "BEGIN IMMEDIATE")


def _forget_autobegin(conn: Connection) -> None:
    """A new checkout starts clean (a statement that failed before its transaction began
    must not make the next explicit transaction DEFERRED)."""
    conn.info.pop(_AUTOBEGIN, None)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
