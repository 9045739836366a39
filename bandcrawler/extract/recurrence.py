"""Repeating iCalendar events (RRULE, RDATE) expanded into their occurrences, with
recurring-ical-events: EXDATE honoured, RECURRENCE-ID overrides in place of their dates."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from itertools import islice, takewhile
from typing import Any

import recurring_ical_events
from icalendar import Calendar, Component

from bandcrawler.extract import Rejected

DEFAULT_HORIZON_MONTHS = 18
# A series that repeats more often than this within the horizon (FREQ=MINUTELY) is no tour.
MAX_OCCURRENCES = 500
_DAYS_PER_MONTH = 30.44


def horizon_end(months: int, today: datetime.date | None = None) -> datetime.date:
    """The last day occurrences are read up to: `months` after `today`."""
    days = round(months * _DAYS_PER_MONTH)
    return (today or datetime.date.today()) + datetime.timedelta(days=days)


def expand(events: Iterable[Component | Rejected], until: datetime.date,
           today: datetime.date | None = None) -> Iterator[Component | Rejected]:
    """Each event, a repeating one as one component per occurrence: its first, every one
    from `today` up to `until` (a weekly residency since 2016 is not 500 concerts of the
    past), and every override (RECURRENCE-ID) the feed writes, in place of its date.

    An occurrence carries RECURRENCE-ID (its original start), so its source id is the UID
    with the occurrence's date, the same id an override of that date has; the first
    occurrence keeps the bare UID, the id it had before series were expanded. A series that
    cannot be expanded (a broken rule) gives its first date, as before.
    """
    events = list(events)
    masters = {_uid(e) for e in events if not isinstance(e, Rejected) and _is_master(e)}
    overrides: dict[str, list[Component]] = {}
    for event in events:
        if not isinstance(event, Rejected) and _uid(event) in masters and not _is_master(event):
            overrides.setdefault(_uid(event), []).append(event)
    for event in events:
        if isinstance(event, Rejected) or _uid(event) not in masters:
            yield event
        elif _is_master(event):
            yield from _occurrences(event, overrides.get(_uid(event), []),
                                    today or datetime.date.today(), until)


def _occurrences(master: Component, overrides: list[Component], today: datetime.date,
                 until: datetime.date) -> Iterator[Component | Rejected]:
    calendar = Calendar()
    for component in (master, *overrides):
        calendar.add_component(component)
    start = master.get("DTSTART")
    if _standing(master, today, until):
        yield from (master, *overrides)
        return
    try:
        query = recurring_ical_events.of(calendar, keep_recurrence_attributes=True)
        begin = _day(master)
        # `after` is lazy, `between` is not: a FREQ=MINUTELY rule costs only what is taken.
        initial = list(islice(query.after(begin), 1))
        upcoming = takewhile(lambda o: _day(o) <= until, query.after(max(begin, today)))
        # An override is a date the feed itself states: kept beyond the horizon too.
        found = _once([*initial, *islice(upcoming, MAX_OCCURRENCES + 1), *overrides])
    except Exception:  # noqa: BLE001 - the library raises many kinds on a broken rule
        yield from (master, *overrides)
        return
    if not found:
        yield master  # starts beyond the horizon: its first date, as any single event
        return
    for occurrence in found[:MAX_OCCURRENCES]:
        recurrence = occurrence.get("RECURRENCE-ID")
        if recurrence is not None and start is not None and \
                recurrence.to_ical() == start.to_ical() and _from_rule(occurrence):
            del occurrence["RECURRENCE-ID"]
        yield occurrence
    if len(found) > MAX_OCCURRENCES:
        yield Rejected("too_many_occurrences",
                       f"VEVENT {_uid(master)}: more than {MAX_OCCURRENCES} occurrences "
                       f"before {until.isoformat()}; the rest is left out")


def _standing(master: Component, today: datetime.date, until: datetime.date) -> bool:
    """A series without an end that began longer ago than the horizon reaches ahead (a
    weekly meeting since 2016): a standing appointment, not a run of concerts; it gives its
    first date only, as a single event would."""
    rule = master.get("RRULE")
    rules = rule if isinstance(rule, list) else [rule] if rule is not None else []
    endless = any("UNTIL" not in r and "COUNT" not in r for r in rules)
    return endless and _day(master) < today - (until - today)


def _once(occurrences: list[Component]) -> list[Component]:
    """Each occurrence once (the first may also be an upcoming one), by its original start."""
    seen: set[bytes] = set()
    kept = []
    for occurrence in occurrences:
        key = (occurrence.get("RECURRENCE-ID") or occurrence.get("DTSTART")).to_ical()
        if key not in seen:
            seen.add(key)
            kept.append(occurrence)
    return kept


def _day(occurrence: Component) -> datetime.date:
    start: Any = getattr(occurrence.get("DTSTART"), "dt", None)
    if isinstance(start, datetime.datetime):
        return start.date()
    return start if isinstance(start, datetime.date) else datetime.date.max


def _from_rule(occurrence: Component) -> bool:
    """An occurrence the rule made (it keeps the rule), not an override the feed wrote."""
    return "RRULE" in occurrence or "RDATE" in occurrence


def _is_master(event: Component | Rejected) -> bool:
    return (not isinstance(event, Rejected) and ("RRULE" in event or "RDATE" in event)
            and "RECURRENCE-ID" not in event)


def _uid(event: Component) -> str:
    return str(event.get("UID") or "")
