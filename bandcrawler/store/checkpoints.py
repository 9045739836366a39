"""Projection checkpoints: the last log position each projection has fully applied."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, delete, select, update

from bandcrawler.store.tables import checkpoints
from bandcrawler.store.upsert import insert_or_ignore


def read_checkpoint(engine: Engine, name: str) -> int:
    """The projection's position (0 when it has applied nothing)."""
    with engine.connect() as conn:
        return conn.execute(select(checkpoints.c.position)
                            .where(checkpoints.c.name == name)).scalar() or 0


def lock_checkpoint(conn: Connection, name: str) -> int:
    """The projection's position, locked until the transaction ends, so that two processes
    applying the same projection take turns (on SQLite a writing transaction is the only
    writer already; on PostgreSQL the row is made first, so that there is one to lock)."""
    insert_or_ignore(conn, checkpoints, {"name": name, "position": 0})
    query = select(checkpoints.c.position).where(checkpoints.c.name == name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).scalar() or 0


def save_checkpoint(conn: Connection, name: str, position: int) -> None:
    """Move the projection to `position`, never back (in the caller's transaction)."""
    insert_or_ignore(conn, checkpoints, {"name": name, "position": position})
    conn.execute(update(checkpoints).where(checkpoints.c.name == name,
                                           checkpoints.c.position < position)
                 .values(position=position))


def forget_checkpoints(conn: Connection, names: Iterable[str]) -> None:
    """Drop these projections' positions: they start from the beginning of the log."""
    wanted = list(names)
    if wanted:
        conn.execute(delete(checkpoints).where(checkpoints.c.name.in_(wanted)))
