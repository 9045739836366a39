"""The Watch aggregate: what a person wants to hear about, where to tell them, its events."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bandcrawler.domain.events import DomainEvent, WatchCreated, WatchRemoved
from bandcrawler.domain.identity import band_id_for, slug_for

__all__ = ["CHANGE_KINDS", "Watch", "WatchCreated", "WatchRemoved", "decide_create",
           "decide_remove", "haversine_km", "watch_id_for", "watch_stream"]

CHANGE_KINDS = ("announced", "cancelled", "postponed", "rescheduled", "moved", "unlisted",
                "relisted", "details")


def watch_id_for(name: str) -> str:
    return slug_for(name, "watch")


def watch_stream(watch_id: str) -> str:
    return f"watch-{watch_id}"


@dataclass
class Watch:
    """A watch's filters (all optional: an empty watch sees every concert) and channels."""

    watch_id: str
    name: str = ""
    bands: list[str] = field(default_factory=list)  # band ids
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 50.0
    country: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    within_days: int | None = None
    changes: list[str] = field(default_factory=lambda: list(CHANGE_KINDS))
    emails: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)
    token: str = ""
    backfill: bool = False
    created_at: str | None = None
    since_position: int = 0  # the log position it starts from (0 with backfill)
    created_position: int = 0
    removed: bool = False
    removed_position: int | None = None
    version: int = 0

    def apply(self, event: DomainEvent, version: int, position: int = 0) -> None:
        if isinstance(event, WatchCreated):
            spec = {k: v for k, v in event.spec.items() if k in SPEC_FIELDS}
            self.__dict__.update(spec)
            self.name, self.token, self.backfill = event.name, event.token, event.backfill
            self.created_at, self.removed = event.at, False
            self.since_position = 0 if event.backfill else position
            self.created_position = position
        elif isinstance(event, WatchRemoved):
            self.removed, self.removed_position = True, position
        else:
            raise ValueError(f"a watch cannot apply {type(event).__name__}")
        self.version = version

    def active_at(self, position: int) -> bool:
        """Whether an event at `position` is news for this watch."""
        return self.since_position < position and (
            self.removed_position is None or position < self.removed_position)

    @property
    def channels(self) -> list[tuple[str, str]]:
        """(kind, target) for every place to tell: email, webhook, apprise."""
        return ([("email", a) for a in self.emails] + [("webhook", u) for u in self.webhooks]
                + [("apprise", u) for u in self.notify])

    def spec(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SPEC_FIELDS}

    def matches(self, concert: dict[str, Any], today: date | None = None) -> bool | None:
        """Whether a concert (its public view) is one this watch is about; None when it
        depends on a location the concert does not have yet."""
        if self.bands and concert.get("band_id") not in self.bands:
            return False
        venue = concert.get("venue") or {}
        if self.country and (venue.get("country") or "").upper() != self.country.upper():
            return False
        day = concert.get("local_date") or ""
        if self.date_from and day < self.date_from:
            return False
        if self.date_to and day > self.date_to:
            return False
        if self.within_days is not None and today is not None:
            if not today.isoformat() <= day <= (today + timedelta(self.within_days)).isoformat():
                return False
        if self.lat is None or self.lon is None:
            return True
        distance = self.distance_km(concert)
        return None if distance is None else distance <= self.radius_km

    def distance_km(self, concert: dict[str, Any]) -> float | None:
        location = concert.get("location")
        if self.lat is None or self.lon is None or not location:
            return None
        return haversine_km(self.lat, self.lon, location["lat"], location["lon"])


SPEC_FIELDS = ("bands", "place", "lat", "lon", "radius_km", "country", "date_from", "date_to",
               "within_days", "changes", "emails", "webhooks", "notify")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def decide_create(watch: Watch, name: str, spec: dict[str, Any], token: str, backfill: bool,
                  now: str) -> list[DomainEvent]:
    """Create a watch; a name in use by a live watch is an error (remove it first)."""
    if watch.version and not watch.removed:
        raise ValueError(f"a watch named {watch.name!r} exists; remove it first")
    unknown = set(spec.get("changes") or ()) - set(CHANGE_KINDS)
    if unknown:
        raise ValueError(f"unknown change kind(s) {sorted(unknown)}; expected {CHANGE_KINDS}")
    clean = {k: v for k, v in spec.items() if k in SPEC_FIELDS and v not in (None, [])}
    clean["bands"] = [band_id_for(b) for b in clean.get("bands", [])]
    return [WatchCreated(watch.watch_id, name, clean, token, backfill, now)]


def decide_remove(watch: Watch, now: str) -> list[DomainEvent]:
    if not watch.version or watch.removed:
        raise ValueError(f"no watch named {watch.watch_id!r}")
    return [WatchRemoved(watch.watch_id, now)]
