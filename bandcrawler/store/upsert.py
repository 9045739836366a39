"""Portable upserts for the dialects the store runs on (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(conn: Connection, table: Table):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_or_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> None:
    insert_or_ignore_many(conn, table, [row])


def insert_or_ignore_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
                          ) -> None:
    """Insert the rows whose key is not taken yet; one statement (executemany)."""
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), list(rows))


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
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes),
                 list(rows))
