"""The Band aggregate: a name and the sources to read its concerts from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bandcrawler.domain import events as ev

if TYPE_CHECKING:
    from bandcrawler.domain.concert import Concert

SOURCE_KINDS = ("website", "ical", "bandsintown", "musicbrainz")
_MBID = re.compile(
    r"^(?:https?://(?:www\.)?musicbrainz\.org/artist/)?"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?$",
    re.IGNORECASE,
)


def artist_mbid(value: str) -> str | None:
    """The artist MBID of a source value (the bare UUID or its musicbrainz.org page), else None."""
    match = _MBID.match(value.strip())
    return match.group(1).lower() if match else None


@dataclass
class Band:
    band_id: str
    name: str = ""
    version: int = 0
    sources: list[tuple[str, str]] = field(default_factory=list)
    origins: dict[tuple[str, str], str | None] = field(default_factory=dict)
    removed: bool = False

    @property
    def registered(self) -> bool:
        return self.version > 0 and not self.removed

    def apply(self, event: ev.DomainEvent, version: int) -> None:
        if isinstance(event, ev.BandRegistered):
            self.name, self.removed = event.name, False
        elif isinstance(event, ev.BandSourceAdded):
            self.sources.append((event.kind, event.value))
            self.origins[(event.kind, event.value)] = event.discovered_from
        elif isinstance(event, ev.BandSourceRemoved):
            self.sources.remove((event.kind, event.value))
            self.origins.pop((event.kind, event.value), None)
        elif isinstance(event, ev.BandRemoved):
            self.removed, self.sources, self.origins = True, [], {}
        else:
            raise ValueError(f"a band cannot apply {type(event).__name__}")
        self.version = version


def checked_source(kind: str, value: str) -> tuple[str, str]:
    """The source as it is stored, or ValueError saying what is wrong with it."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {kind!r}; expected one of {SOURCE_KINDS}")
    value = value.strip()
    if not value:
        raise ValueError(f"an empty {kind} source")
    if kind == "musicbrainz":
        mbid = artist_mbid(value)
        if mbid is None:
            raise ValueError(f"not a MusicBrainz artist id: {value!r} (expected a UUID like "
                             "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d, or its musicbrainz.org "
                             "artist page)")
        value = mbid
    return kind, value


def decide_register(band: Band, name: str, sources: list[tuple[str, str]], now: str,
                    discovered_from: Mapping[tuple[str, str], str] | None = None
                    ) -> list[ev.DomainEvent]:
    """Register a band (again, if it was removed), or add the sources it does not have yet;
    idempotent. `discovered_from` says where a source was found, if it was."""
    checked = [checked_source(kind, value) for kind, value in sources]
    origins = {checked_source(*key): origin for key, origin in (discovered_from or {}).items()}
    decided: list[ev.DomainEvent] = []
    if not band.registered:
        decided.append(ev.BandRegistered(band.band_id, name, now))
    known = set() if band.removed else set(band.sources)
    for kind, value in checked:
        if (kind, value) not in known:
            known.add((kind, value))
            decided.append(ev.BandSourceAdded(band.band_id, kind, value, now,
                                              origins.get((kind, value))))
    return decided


def decide_remove(band: Band, now: str) -> list[ev.DomainEvent]:
    """Stop crawling the band; ValueError if it is not registered."""
    if not band.registered:
        raise ValueError(f"no band {band.band_id!r} is registered")
    return [ev.BandRemoved(band.band_id, now)]


def decide_remove_source(band: Band, kind: str, value: str, now: str
                         ) -> list[ev.DomainEvent]:
    """Stop reading one source of the band; ValueError if it does not have it."""
    if not band.registered:
        raise ValueError(f"no band {band.band_id!r} is registered")
    kind, value = checked_source(kind, value)
    if (kind, value) not in band.sources:
        have = ", ".join(f"{k} {v}" for k, v in band.sources) or "none"
        raise ValueError(f"{band.name} has no {kind} source {value} (its sources: {have})")
    return [ev.BandSourceRemoved(band.band_id, kind, value, now)]


def decide_concert_withdrawn(concert: Concert, now: str) -> list[ev.DomainEvent]:
    """Its band was removed: every source that lists the concert stops counting (the concert
    stays in the log, marked `listed: false`); a later crawl of a re-added band lists it
    again."""
    return [ev.ConcertUnlisted(concert.concert_id, source, now)
            for source in sorted(concert.listings) if source not in concert.unlisted]
