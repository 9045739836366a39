"""The Band aggregate: a name and the sources to read its concerts from."""

from __future__ import annotations

from dataclasses import dataclass, field

from bandcrawler.domain import events as ev

SOURCE_KINDS = ("website", "ical", "bandsintown", "musicbrainz")


@dataclass
class Band:
    band_id: str
    name: str = ""
    version: int = 0
    sources: list[tuple[str, str]] = field(default_factory=list)

    def apply(self, event: ev.DomainEvent, version: int) -> None:
        if isinstance(event, ev.BandRegistered):
            self.name = event.name
        elif isinstance(event, ev.BandSourceAdded):
            self.sources.append((event.kind, event.value))
        else:
            raise ValueError(f"a band cannot apply {type(event).__name__}")
        self.version = version


def decide_register(band: Band, name: str, sources: list[tuple[str, str]],
                    now: str) -> list[ev.DomainEvent]:
    """Register a band, or add the sources it does not have yet; idempotent."""
    decided: list[ev.DomainEvent] = []
    if band.version == 0:
        decided.append(ev.BandRegistered(band.band_id, name, now))
    known = set(band.sources)
    for kind, value in sources:
        if kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {kind!r}; expected one of {SOURCE_KINDS}")
        if (kind, value) not in known:
            known.add((kind, value))
            decided.append(ev.BandSourceAdded(band.band_id, kind, value, now))
    return decided
