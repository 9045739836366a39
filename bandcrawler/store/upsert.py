"""Portable upserts for the dialects the store runs on (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from bandcrawler.store.engine import json_dumps


def _insert(conn: Connection, table: Table):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_or_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> None:
    insert_or_ignore_many(conn, table, [row])


def insert_or_ignore_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
                          ) -> None:
    """Insert the rows whose key is not taken yet; one statement (executemany)."""
    if rows:
        _execute_many(conn, _insert(conn, table).on_conflict_do_nothing(), rows)


def upsert(conn: Connection, table: Table, row: dict[str, Any], keys: Sequence[str]) -> None:
    upsert_many(conn, table, [row], keys)


def upsert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                keys: Sequence[str]) -> None:
    """Insert the rows, or update those whose `keys` exist; one statement (executemany).
    Every row has the same columns: those of the first."""
    if not rows:
        return
    statement = _insert(conn, table)
    changes = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    _execute_many(conn, statement.on_conflict_do_update(index_elements=list(keys), set_=changes),
                  rows)


def _execute_many(conn: Connection, statement: Insert, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany. On SQLite the rows go to the driver as tuples, their JSON encoded as
    the JSON columns encode it: SQLAlchemy's per-row parameter processing costs more than
    the row (as for the event store's INSERT). Elsewhere, or when the statement needs a
    value the rows do not give (a column default), SQLAlchemy's executemany."""
    if conn.dialect.name == "sqlite":
        compiled = statement.compile(dialect=conn.dialect, column_keys=list(rows[0]))
        order = compiled.positiontup or []
        if all(name in rows[0] for name in order):
            table = statement.table
            encoded = {c.name for c in table.columns if isinstance(c.type, JSON)}
            conn.exec_driver_sql(str(compiled), [
                tuple(json_dumps(row[name]) if name in encoded else row[name] for name in order)
                for row in rows])
            return
    conn.execute(statement, list(rows))
