"""The saga: how far each concert got through record → geocode → persist → index, and resume."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from bandcrawler.store.event_store import utc_now
from bandcrawler.store.tables import saga

STEPS = ("geocode", "persist", "index")
READ_CHUNK = 500  # concert ids per IN (...) query
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class SagaState:
    concert_id: str
    version: int
    geocoded: bool
    persisted_version: int
    indexed_version: int
    pending_step: str | None
    last_error: str | None
    attempts: int
    next_retry_at: str | None
    updated_at: str

    @property
    def complete(self) -> bool:
        return self.pending_step is None


@dataclass(frozen=True)
class Report:
    """What one step says of one concert; None leaves that part of its state as it is."""

    concert_id: str
    version: int | None = None
    geocoded: bool | None = None
    persisted_version: int | None = None
    indexed_version: int | None = None
    error: str | None = None


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


def _changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True for a new row, or when more than the time of the report differs."""
    if before["updated_at"] is None:  # not stored yet
        return True
    return any(before.get(k) != v for k, v in after.items() if k != "updated_at")


def pending_step_of(row: dict[str, Any]) -> str | None:
    """The first step not yet done for the concert's latest version; None when complete."""
    if not row["geocoded"]:
        return "geocode"
    if row["persisted_version"] < row["version"]:
        return "persist"
    if row["indexed_version"] < row["version"]:
        return "index"
    return None


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
        except IntegrityError:  # another writer inserted one of these rows first: update it
            with conn.begin_nested():
                return self._merge_all(conn, reports)

    def _merge_all(self, conn: Connection, reports: Sequence[Report]) -> list[SagaState]:
        rows = self._rows_for_update(conn, [r.concert_id for r in reports])
        before = {concert_id: dict(row) for concert_id, row in rows.items()}
        now = utc_now()  # one transaction, one time of report
        states = [self._merge(rows[r.concert_id], r, now) for r in reports]
        _write(conn, [row for concert_id, row in rows.items()
                      if _changed(before[concert_id], row)],
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
            rows.setdefault(concert_id, {
                "concert_id": concert_id, "version": 0, "geocoded": False,
                "persisted_version": 0, "indexed_version": 0, "pending_step": None,
                "attempts": 0, "last_error": None, "next_retry_at": None, "updated_at": None})
        return rows

    @staticmethod
    def _merge(row: dict[str, Any], report: Report, now: str) -> SagaState:
        """Merge one report into `row` (in place), monotonically."""
        if report.version is not None:
            row["version"] = max(row["version"], report.version)
        if report.geocoded is not None:
            row["geocoded"] = report.geocoded
        if report.persisted_version is not None:
            row["persisted_version"] = max(row["persisted_version"], report.persisted_version)
        if report.indexed_version is not None:
            row["indexed_version"] = max(row["indexed_version"], report.indexed_version)
        row["pending_step"] = pending_step_of(row)
        if row["pending_step"] is None:
            row.update(last_error=None, attempts=0, next_retry_at=None)
        elif report.error is not None:
            row["attempts"] += 1
            row["last_error"] = report.error
            row["next_retry_at"] = _retry_at(row["attempts"])
        row["updated_at"] = now
        return SagaState(**row)

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
        complete = sum(1 for step, _ in rows if step is None)
        per_step = Counter(step for step, _ in rows if step is not None)
        reasons = Counter((step, _reason_of(err)) for step, err in rows if step is not None)
        return {
            "concerts": len(rows),
            "complete": complete,
            "pending": {step: per_step[step] for step in STEPS if per_step[step]},
            "reasons": [{"step": step, "reason": reason, "count": n}
                        for (step, reason), n in reasons.most_common()],
        }


def _reason_of(error: str | None) -> str:
    return error.split("\n", 1)[0][:200] if error else "not yet run"


def _retry_at(attempts: int) -> str:
    delay = min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
    return (datetime.now(UTC) + delay).isoformat(timespec="seconds").replace(
        "+00:00", "Z")
