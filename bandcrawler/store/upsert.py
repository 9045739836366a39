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
    conn.execute(_insert(conn, table).values(row).on_conflict_do_nothing())


def upsert(conn: Connection, table: Table, row: dict[str, Any], keys: Sequence[str]) -> None:
    changes = {k: v for k, v in row.items() if k not in keys}
    statement = _insert(conn, table).values(row)
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))
