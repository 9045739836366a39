"""Domain events: past-tense, immutable facts about bands and concerts."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


STATUSES = ("scheduled", "cancelled", "postponed", "rescheduled", "moved_online")


@dataclass(frozen=True)
class DomainEvent:
    def to_data(self) -> dict[str, Any]:
        """The event's fields as a new dict (values are shared, not copied: events and
        their data are never changed)."""
        # (mypy takes a dataclass's class for unhashable: it is hashable, as every class)
        return {name: getattr(self, name)
                for name in _field_names(type(self))}  # type: ignore[arg-type]

    @property
    def type(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class BandRegistered(DomainEvent):
    band_id: str
    name: str
    at: str


@dataclass(frozen=True)
class BandSourceAdded(DomainEvent):
    band_id: str
    kind: str
    value: str
    at: str


@dataclass(frozen=True)
class ConcertAnnounced(DomainEvent):
    concert_id: str
    band_id: str
    band: str
    source: str
    details: dict[str, Any]
    at: str


@dataclass(frozen=True)
class ConcertDetailsChanged(DomainEvent):
    concert_id: str
    source: str
    changes: dict[str, Any]
    at: str


@dataclass(frozen=True)
class ConcertListedBySource(DomainEvent):
    """A further source lists a known concert (or lists again one it had unlisted)."""

    concert_id: str
    source: str
    details: dict[str, Any]
    at: str


@dataclass(frozen=True)
class ConcertUnlisted(DomainEvent):
    """A source that listed an upcoming concert no longer does, after a complete crawl."""

    concert_id: str
    source: str
    at: str


@dataclass(frozen=True)
class ConcertStatusChanged(DomainEvent):
    """Base of the status events; each subclass names the status it sets."""

    concert_id: str
    source: str
    at: str
    status = "scheduled"


@dataclass(frozen=True)
class ConcertCancelled(ConcertStatusChanged):
    status = "cancelled"


@dataclass(frozen=True)
class ConcertPostponed(ConcertStatusChanged):
    status = "postponed"


@dataclass(frozen=True)
class ConcertRescheduled(ConcertStatusChanged):
    status = "rescheduled"


@dataclass(frozen=True)
class ConcertMovedOnline(ConcertStatusChanged):
    status = "moved_online"


@dataclass(frozen=True)
class ConcertReinstated(ConcertStatusChanged):
    """A source lists as scheduled again a concert it had called off."""

    status = "scheduled"


@dataclass(frozen=True)
class ConcertGeocoded(DomainEvent):
    concert_id: str
    latitude: float
    longitude: float
    precision: str  # source, venue or city
    timezone: str | None
    at: str
    country: str | None = None  # ISO alpha-2 of the place found, for venues that gave none


@dataclass(frozen=True)
class ConcertGeocodingFailed(DomainEvent):
    concert_id: str
    reason: str
    at: str


@dataclass(frozen=True)
class WatchCreated(DomainEvent):
    """A person's watch (domain/watch.py): `spec` its filters and channels, `token` the
    secret of its web feeds."""

    watch_id: str
    name: str
    spec: dict[str, Any]
    token: str
    backfill: bool
    at: str


@dataclass(frozen=True)
class WatchRemoved(DomainEvent):
    watch_id: str
    at: str


STATUS_EVENTS: dict[str, type[ConcertStatusChanged]] = {
    cls.status: cls
    for cls in (ConcertCancelled, ConcertPostponed, ConcertRescheduled, ConcertMovedOnline,
                ConcertReinstated)
}

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.__name__: cls
    for cls in (
        BandRegistered, BandSourceAdded, ConcertAnnounced, ConcertDetailsChanged,
        ConcertListedBySource, ConcertUnlisted, ConcertCancelled, ConcertPostponed,
        ConcertRescheduled, ConcertMovedOnline, ConcertReinstated, ConcertGeocoded,
        ConcertGeocodingFailed, WatchCreated, WatchRemoved,
    )
}


def event_from(type_name: str, data: dict[str, Any]) -> DomainEvent:
    """Rebuild a domain event from its stored type name and data."""
    try:
        cls = EVENT_TYPES[type_name]
    except KeyError:
        raise ValueError(f"unknown domain event type {type_name!r}") from None
    return cls(**data)
