"""Geocoding values: the result the pipelines store and the error they record."""

from __future__ import annotations

from dataclasses import dataclass

REASONS = ("not_found", "timeout", "rate_limited", "unavailable", "bad_answer")


@dataclass(frozen=True)
class GeoResult:
    """Where a place is. precision: 'venue' or 'city' ('source' is assigned elsewhere)."""

    latitude: float
    longitude: float
    precision: str
    timezone: str | None
    country: str | None


class GeocodingError(Exception):
    """Geocoding gave no usable answer; `reason` is one of REASONS, `detail` says more,
    `retry_after` is the seconds a rate-limiting service asked us to wait, if it said."""

    def __init__(self, reason: str, detail: str = "", *,
                 retry_after: float | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown geocoding failure reason {reason!r}")
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """True when asking again later may succeed (everything but not_found/bad_answer)."""
        return self.reason in ("timeout", "rate_limited", "unavailable")

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason
