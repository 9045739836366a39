"""The saga's rules: which step of a concert is pending, attempts, back-off, completion."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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


@dataclass(frozen=True)
class Report:
    """What one step says of one concert; None leaves that part of its state as it is."""

    concert_id: str
    version: int | None = None
    geocoded: bool | None = None
    persisted_version: int | None = None
    indexed_version: int | None = None
    error: str | None = None


def pending_step_of(row: dict[str, Any]) -> str | None:
    """The first step not yet done for the concert's latest version; None when complete."""
    if not row["geocoded"]:
        return "geocode"
    if row["persisted_version"] < row["version"]:
        return "persist"
    if row["indexed_version"] < row["version"]:
        return "index"
    return None


def merge_report(row: dict[str, Any], report: Report, now: str) -> SagaState:
    """Merge one report into `row` (in place), monotonically: versions only grow, so the
    order in which steps and projections report never matters. A report with an error for
    a concert still pending counts an attempt and schedules the next retry."""
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
        row["next_retry_at"] = retry_at(row["attempts"])
    row["updated_at"] = now
    return SagaState(**row)


def new_row(concert_id: str) -> dict[str, Any]:
    """The state of a concert the saga has not heard of."""
    return {"concert_id": concert_id, "version": 0, "geocoded": False, "persisted_version": 0,
            "indexed_version": 0, "pending_step": None, "attempts": 0, "last_error": None,
            "next_retry_at": None, "updated_at": None}


def changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True for a new row, or when more than the time of the report differs."""
    if before["updated_at"] is None:  # not stored yet
        return True
    return any(before.get(k) != v for k, v in after.items() if k != "updated_at")


def reason_of(error: str | None) -> str:
    # Its first line, shortened at a word boundary: people read it in `saga status`.
    return textwrap.shorten(error.split("\n", 1)[0], 200, placeholder=" …") if error \
        else "not yet run"


def retry_at(attempts: int) -> str:
    delay = min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
    return (datetime.now(UTC) + delay).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def summarize(rows: Sequence[tuple[str | None, str | None]]) -> dict[str, Any]:
    """Counts of (pending step, last error) rows: complete, and pending per step with the
    reasons seen."""
    complete = sum(1 for step, _ in rows if step is None)
    per_step = Counter(step for step, _ in rows if step is not None)
    reasons = Counter((step, reason_of(err)) for step, err in rows if step is not None)
    return {
        "concerts": len(rows),
        "complete": complete,
        "pending": {step: per_step[step] for step in STEPS if per_step[step]},
        "reasons": [{"step": step, "reason": reason, "count": n}
                    for (step, reason), n in reasons.most_common()],
    }
