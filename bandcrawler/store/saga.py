"""The saga's table: one store class reads and writes it (its rules: domain/saga.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, insert, select, update

from bandcrawler.domain.saga import (
    Report,
    SagaState,
    changed,
    merge_report,
    new_row,
    summarize,
)
from bandcrawler.store.errors import KeyTaken
from bandcrawler.store.event_store import utc_now
from bandcrawler.store.tables import saga

__all__ = ["Report", "SagaState", "SagaStore"]

READ_CHUNK = 500  # concert ids per IN (...) query


def _write(conn: Connection, rows: list[dict[str, Any]], existing: set[str]) -> None:
    """Insert the new rows and update the others, each in one executemany. The transaction
    read them first under the write lock (SQLite begins IMMEDIATE), so none appeared since."""
    new = [row for row in rows if row["concert_id"] not in existing]
    old = [{**row, "_id": row["concert_id"]} for row in rows if row["concert_id"] in existing]
    if new:
        conn.execute(insert(saga), new)
    if old:
        columns: dict[str, Any] = {name: bindparam(name) for name in old[0]
                                   if name not in ("_id", "concert_id")}
        conn.execute(update(saga).where(saga.c.concert_id == bindparam("_id")).values(columns),
                     old)


class SagaStore:
    """Persisted saga states. Every update merges monotonically, so the order in which the
    pipeline and the buffered index flush report never matters."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def report(self, concert_id: str, *, version: int | None = None,
               geocoded: bool | None = None, persisted_version: int | None = None,
               indexed_version: int | None = None, error: str | None = None) -> SagaState:
        return self.report_many([Report(concert_id, version, geocoded, persisted_version,
                                        indexed_version, error)])[0]

    def report_many(self, reports: Sequence[Report], *,
                    conn: Connection | None = None) -> list[SagaState]:
        """`report` each, in order, in one transaction (the caller's, with `conn`: a
        projection reports in the transaction that moves its checkpoint); a state that does
        not change is not written again (a re-crawl of unchanged pages writes nothing)."""
        if conn is not None:
            return self._report_in(conn, reports)
        with self.engine.begin() as own:
            return self._report_in(own, reports)

    def _report_in(self, conn: Connection, reports: Sequence[Report]) -> list[SagaState]:
        try:
            with conn.begin_nested():
                return self._merge_all(conn, reports)
        except KeyTaken:  # another writer inserted one of these rows first: update it
            with conn.begin_nested():
                return self._merge_all(conn, reports)

    def _merge_all(self, conn: Connection, reports: Sequence[Report]) -> list[SagaState]:
        rows = self._rows_for_update(conn, [r.concert_id for r in reports])
        before = {concert_id: dict(row) for concert_id, row in rows.items()}
        now = utc_now()  # one transaction, one time of report
        states = [merge_report(rows[r.concert_id], r, now) for r in reports]
        _write(conn, [row for concert_id, row in rows.items()
                      if changed(before[concert_id], row)],
               {concert_id for concert_id, row in before.items() if row["updated_at"]})
        return states

    def report_indexed(self, indexed: dict[str, int], failed: dict[str, str], *,
                       conn: Connection | None = None) -> None:
        self.report_many([Report(concert_id, version=version, indexed_version=version)
                          for concert_id, version in indexed.items()]
                         + [Report(concert_id, error=f"index: {reason}")
                            for concert_id, reason in failed.items()], conn=conn)

    def settled(self, versions: dict[str, int]) -> set[str]:
        """Of these concerts (id -> current version), those whose every step is done at
        exactly that version: nothing is left to do for them."""
        done = self._known(versions, saga.c.version, where=(
            saga.c.pending_step.is_(None), saga.c.persisted_version == saga.c.version,
            saga.c.indexed_version == saga.c.version))
        return {concert_id for concert_id, version in done if version == versions[concert_id]}

    def versions(self, concert_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(version, indexed version) of each concert the saga knows of."""
        return {concert_id: (version, indexed) for concert_id, version, indexed
                in self._known(concert_ids, saga.c.version, saga.c.indexed_version)}

    def indexed_versions(self, concert_ids: Sequence[str]) -> dict[str, int]:
        """The version in the index of each concert the saga knows of."""
        return dict(self._known(concert_ids, saga.c.indexed_version))

    def _known(self, concert_ids: Iterable[str], *columns: ColumnElement,
               where: Sequence[ColumnElement[bool]] = ()) -> list[tuple]:
        """(concert id, *columns) of the rows of these concerts that match `where`, read
        in chunks: only the columns asked for (the pipeline asks for every batch)."""
        wanted = list(dict.fromkeys(concert_ids))
        found: list[tuple] = []
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), READ_CHUNK):
                found.extend(conn.execute(select(saga.c.concert_id, *columns).where(
                    saga.c.concert_id.in_(wanted[start:start + READ_CHUNK]), *where)).all())
        return found

    @staticmethod
    def _rows_for_update(conn: Connection, concert_ids: Sequence[str]
                         ) -> dict[str, dict[str, Any]]:
        """Saga rows by concert id, read in chunks, a fresh row for each unknown id. The rows
        stay locked until the transaction ends, taken in id order so that two writers never
        deadlock (PostgreSQL; on SQLite every writing transaction is the only writer
        already)."""
        wanted = sorted(set(concert_ids))
        rows: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), READ_CHUNK):
            query = select(saga.c.concert_id, *[c for c in saga.c if c.name != "concert_id"]
                           ).where(saga.c.concert_id.in_(wanted[start:start + READ_CHUNK]))
            if conn.dialect.name == "postgresql":
                query = query.order_by(saga.c.concert_id).with_for_update()
            result = conn.execute(query)
            names = list(result.keys())
            rows.update((row[0], dict(zip(names, row, strict=True))) for row in result)
        for concert_id in wanted:
            rows.setdefault(concert_id, new_row(concert_id))
        return rows

    def get(self, concert_id: str) -> SagaState | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(saga).where(saga.c.concert_id == concert_id)).first()
        return SagaState(**found._mapping) if found else None

    def pending(self, *, due_only: bool = False) -> list[SagaState]:
        query = select(saga).where(saga.c.pending_step.is_not(None)).order_by(saga.c.concert_id)
        if due_only:
            query = query.where((saga.c.next_retry_at.is_(None))
                                | (saga.c.next_retry_at <= utc_now()))
        with self.engine.connect() as conn:
            return [SagaState(**r._mapping) for r in conn.execute(query)]

    def summary(self) -> dict[str, Any]:
        """Counts: complete, and pending per step with the reasons seen."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(saga.c.pending_step, saga.c.last_error)).all()
        return summarize(rows)


