"""The saga: how far each concert got through record → geocode → persist → index, and resume."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from bandcrawler.store.event_store import utc_now
from bandcrawler.store.tables import saga
from bandcrawler.store.upsert import upsert

STEPS = ("geocode", "persist", "index")
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
        with self.engine.begin() as conn:
            return self._merge(conn, concert_id, version=version, geocoded=geocoded,
                               persisted_version=persisted_version,
                               indexed_version=indexed_version, error=error)

    def report_indexed(self, indexed: dict[str, int], failed: dict[str, str]) -> None:
        with self.engine.begin() as conn:
            for concert_id, version in indexed.items():
                self._merge(conn, concert_id, indexed_version=version)
            for concert_id, reason in failed.items():
                self._merge(conn, concert_id, error=f"index: {reason}")

    def _merge(self, conn: Connection, concert_id: str, *, version: int | None = None,
               geocoded: bool | None = None, persisted_version: int | None = None,
               indexed_version: int | None = None, error: str | None = None) -> SagaState:
        found = conn.execute(select(saga).where(saga.c.concert_id == concert_id)).first()
        row: dict[str, Any] = dict(found._mapping) if found else {
            "concert_id": concert_id, "version": 0, "geocoded": False, "persisted_version": 0,
            "indexed_version": 0, "attempts": 0, "last_error": None, "next_retry_at": None,
        }
        if version is not None:
            row["version"] = max(row["version"], version)
        if geocoded is not None:
            row["geocoded"] = geocoded
        if persisted_version is not None:
            row["persisted_version"] = max(row["persisted_version"], persisted_version)
        if indexed_version is not None:
            row["indexed_version"] = max(row["indexed_version"], indexed_version)
        now = utc_now()
        row["pending_step"] = pending_step_of(row)
        if row["pending_step"] is None:
            row.update(last_error=None, attempts=0, next_retry_at=None)
        elif error is not None:
            row["attempts"] += 1
            row["last_error"] = error
            row["next_retry_at"] = _retry_at(row["attempts"])
        row["updated_at"] = now
        upsert(conn, saga, row, ["concert_id"])
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
