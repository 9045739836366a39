"""Batch inserts and upserts for the dialects the store runs on (SQLite, PostgreSQL): one
executemany each."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.dml import Insert

from bandcrawler.store.engine import json_dumps

OnConflict = Literal["raise", "ignore", "update"]
_COUNT_ROWS = {"preserve_rowcount": True}


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows; a key already taken raises KeyTaken (store/errors.py)."""
    _execute_many(conn, table, rows, "raise")


def insert_or_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert the row unless its key is taken; whether it went in."""
    return _execute_many(conn, table, [row], "ignore", count=True) == 1


def insert_or_ignore_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
                          ) -> None:
    """Insert the rows whose key is not taken yet."""
    _execute_many(conn, table, rows, "ignore")


def upsert(conn: Connection, table: Table, row: dict[str, Any], keys: Sequence[str]) -> None:
    upsert_many(conn, table, [row], keys)


def upsert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                keys: Sequence[str]) -> None:
    """Insert the rows, or update those whose `keys` exist."""
    _execute_many(conn, table, rows, "update", tuple(keys))


def _execute_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                  on_conflict: OnConflict, keys: tuple[str, ...] = (), *,
                  count: bool = False) -> int:
    """One executemany; every row has the columns of the first. On SQLite the rows go to
    the driver as tuples, their JSON encoded as the JSON columns encode it: SQLAlchemy's
    per-row parameter processing cost more than the row (a third of an event append).
    Elsewhere, or when the statement needs a value the rows do not give (a column
    default), SQLAlchemy's executemany. With `count`, the rows written (SQLAlchemy keeps
    an INSERT's row count only when asked); otherwise -1."""
    if not rows:
        return 0
    options = _COUNT_ROWS if count else None
    columns = tuple(rows[0])
    if conn.dialect.name == "sqlite":
        sql, order, encoded = _sqlite_statement(table, columns, on_conflict, keys)
        if order:
            values = list(map(itemgetter(*order), rows)) if len(order) > 1 else [
                (row[order[0]],) for row in rows]
            if encoded:
                values = [_json_encoded(v, encoded) for v in values]
            result = conn.exec_driver_sql(sql, values, execution_options=options)
            return result.rowcount if count else -1
    result = conn.execute(_statement(conn.dialect.name, table, columns, on_conflict, keys),
                          list(rows), execution_options=options)
    return result.rowcount if count else -1


def _json_encoded(values: tuple, at: tuple[int, ...]) -> tuple:
    encoded = list(values)
    for i in at:
        encoded[i] = json_dumps(encoded[i])
    return tuple(encoded)


def _statement(dialect: str, table: Table, columns: tuple[str, ...], on_conflict: OnConflict,
               keys: tuple[str, ...]) -> Insert:
    statement: Any
    if dialect == "postgresql":
        # Imported when used: a SQLite process (every `bandcrawler` command) need not load it.
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table)
    else:
        statement = sqlite.insert(table)
    if on_conflict == "ignore":
        return statement.on_conflict_do_nothing()
    if on_conflict == "update":
        return statement.on_conflict_do_update(index_elements=list(keys), set_={
            name: statement.excluded[name] for name in columns if name not in keys})
    return statement


@functools.lru_cache(maxsize=64)
def _sqlite_statement(table: Table, columns: tuple[str, ...], on_conflict: OnConflict,
                      keys: tuple[str, ...]) -> tuple[str, tuple[str, ...], tuple[int, ...]]:
    """The SQL of a statement of this shape, the columns its parameters take in order, and
    where among them the JSON columns are; compiled once (per batch, compiling cost as much
    as a small batch's rows). No columns: it needs a value the rows do not give."""
    compiled = _statement("sqlite", table, columns, on_conflict, keys).compile(
        dialect=sqlite.dialect(), column_keys=list(columns))
    order = tuple(compiled.positiontup or ())
    if not set(order) <= set(columns):
        return str(compiled), (), ()
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    return str(compiled), order, tuple(i for i, name in enumerate(order) if name in json_columns)
