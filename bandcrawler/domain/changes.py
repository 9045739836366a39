"""Changes: what people call news about a concert, derived from its domain events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bandcrawler.domain import events as ev
from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document

# The fields of the public view whose change is news (a new location alone is not).
SHOWN_FIELDS = ("local_date", "local_time", "venue", "title", "lineup", "url", "ticket_url")
STATUS_KINDS = {"cancelled": "cancelled", "postponed": "postponed",
                "rescheduled": "rescheduled", "moved_online": "moved"}
# Which events say each kind of change (the sources a change names).
SAYING = {
    "announced": (ev.ConcertAnnounced, ev.ConcertListedBySource),
    "details": (ev.ConcertAnnounced, ev.ConcertListedBySource, ev.ConcertDetailsChanged,
                ev.ConcertStatusChanged),
    "unlisted": (ev.ConcertUnlisted,),
    "relisted": (ev.ConcertListedBySource,),
    **{kind: (ev.ConcertStatusChanged,) for kind in STATUS_KINDS.values()},
}
SOURCE_NAMES = {"jsonld": "the band's website", "ical": "the band's calendar feed",
                "bandsintown": "Bandsintown", "musicbrainz": "MusicBrainz"}


@dataclass(frozen=True)
class Said:
    """One source's word in the log: which source, the page, when, at which position."""

    source: str
    url: str | None
    at: str
    position: int
    event: str

    @property
    def label(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)


@dataclass(frozen=True)
class Change:
    """One piece of news about a concert: its kind, the fields before and after, the
    concert as it is after (and was before), the sources that said it."""

    concert_id: str
    kind: str
    position: int  # the last event of the change
    at: str
    before: dict[str, Any]
    after: dict[str, Any]
    concert: dict[str, Any]
    previous: dict[str, Any] | None = None
    sources: tuple[Said, ...] = field(default=())

    @property
    def key(self) -> str:
        """Stable id of the change: the concert, the position and the kind."""
        return f"{self.concert_id}:{self.position}:{self.kind}"

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "concert_id": self.concert_id, "kind": self.kind,
                "position": self.position, "at": self.at, "before": self.before,
                "after": self.after, "summary": describe(self), "concert": self.concert,
                "sources": [{"source": s.source, "url": s.url, "at": s.at,
                             "position": s.position, "event": s.event}
                            for s in self.sources]}


def shown(view: dict[str, Any], name: str) -> Any:
    """A field as a change shows it: the venue as the sources gave it (a country found by
    geocoding is no news)."""
    value = view.get(name)
    if name == "venue":
        venue = value or {}
        return {k: venue.get(k) for k in ("name", "address", "city", "region")}
    return value


def said_by(event: ev.DomainEvent, meta: dict[str, Any], position: int) -> Said | None:
    source = getattr(event, "source", None)
    if source is None:
        return None
    return Said(source, (meta or {}).get("source_url"), getattr(event, "at", ""), position,
                event.type)


def changes_between(previous: dict[str, Any] | None, current: dict[str, Any],
                    said: Sequence[tuple[ev.DomainEvent, Said]], position: int, at: str
                    ) -> list[Change]:
    """The news from one public view of a concert to the next (`previous` None: it is new).
    `said` are the events between them with their sources; nothing shown changed: none."""
    def change(kind: str, before: dict, after: dict) -> Change:
        sources = tuple(s for e, s in said if isinstance(e, SAYING[kind]))
        return Change(current["concert_id"], kind, position, at, before, after, current,
                      previous, sources or tuple(s for _, s in said))

    if previous is None:
        return [change("announced", {}, {f: shown(current, f) for f in SHOWN_FIELDS})]
    found = []
    status_before, status_after = previous.get("status"), current.get("status")
    details = {f: (shown(previous, f), shown(current, f)) for f in SHOWN_FIELDS
               if shown(previous, f) != shown(current, f)}
    if status_before != status_after:
        if status_after in STATUS_KINDS:
            found.append(change(STATUS_KINDS[status_after], {"status": status_before},
                                {"status": status_after}))
        else:  # called on again
            details["status"] = (status_before, status_after)
    if previous.get("listed") != current.get("listed"):
        kind = "relisted" if current.get("listed") else "unlisted"
        found.append(change(kind, {"listed": previous.get("listed")},
                            {"listed": current.get("listed")}))
    if details:
        found.append(change("details", {f: b for f, (b, _) in details.items()},
                            {f: a for f, (_, a) in details.items()}))
    return found


Recorded = tuple[ev.DomainEvent, int, int, dict, str]  # event, version, position, meta, at


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a concert's stream, with the concert's public view before it (None
    before the first) and after it."""

    event: ev.DomainEvent
    version: int
    position: int
    meta: dict
    recorded_at: str
    before: dict[str, Any] | None
    after: dict[str, Any]


def replay(stream: Iterable[Recorded]) -> Iterator[Step]:
    """One concert's stream (event, version, position, meta, recorded at), event by event,
    folded as it goes: what every reader of a concert's history (its changes, the feeds,
    the alerts) reads it through."""
    concert: Concert | None = None
    before: dict[str, Any] | None = None
    for event, version, position, meta, recorded_at in stream:
        if concert is None:
            concert = Concert(getattr(event, "concert_id", ""))
        concert.apply(event, version)
        after = concert_document(concert)
        yield Step(event, version, position, meta, recorded_at, before, after)
        before = after


def step_changes(step: Step) -> list[Change]:
    """The changes one event made."""
    said = said_by(step.event, step.meta, step.position)
    return changes_between(step.before, step.after, [(step.event, said)] if said else [],
                           step.position, step.recorded_at)


def history_changes(stream: Iterable[Recorded]) -> list[list[Change]]:
    """For each event of one concert's stream, in order: the changes it made."""
    return [step_changes(step) for step in replay(stream)]


def _value(field_name: str, value: Any) -> str:
    if value in (None, "", []):
        return "none"
    if field_name == "venue":
        return ", ".join(str(value[k]) for k in ("name", "city") if value.get(k)) or "none"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


FIELD_WORDS = {"local_date": "date", "local_time": "time", "ticket_url": "tickets",
               "url": "page"}


def describe(change: Change) -> str:
    """One line a person reads: 'time moved from 20:00 to 21:30', 'cancelled — said by …'."""
    said = "; ".join(f"{s.label}, {s.at[:10]}" for s in change.sources)
    by = f" — said by {said}" if said else ""
    if change.kind == "announced":
        return f"announced{by}"
    if change.kind != "details":
        return f"{change.kind}{by}"
    parts = [f"{FIELD_WORDS.get(f, f)} changed from {_value(f, change.before[f])} to "
             f"{_value(f, change.after[f])}" for f in change.after]
    return "; ".join(parts) + by
