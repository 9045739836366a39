"""Upcasters: a stored event's payload of an older schema version turned into today's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


def _geocoded_v1_to_v2(data: Payload) -> Payload:
    """`country` (the ISO code of the place found) joined ConcertGeocoded; the events
    recorded before it found none."""
    return {**data, "country": data.get("country")}


# (event type, the version a payload has) -> the function that makes it one version newer.
# Changing an event's shape means: add the next step here (never edit a step that exists),
# and the frozen event log (tests/fixtures/frozen_log/) still replays to what it did.
UPCASTERS: Mapping[tuple[str, int], Upcaster] = {
    ("ConcertGeocoded", 1): _geocoded_v1_to_v2,
}

# The (type, version) pairs that have a step: a payload stored at one of them is out of date.
OUTDATED: frozenset[tuple[str, int]] = frozenset(UPCASTERS)
FIRST_VERSION = 1  # the version of every event stored before events carried one


def current_version(event_type: str, upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS
                    ) -> int:
    """The schema version today's code writes for `event_type`: past the last step."""
    version = FIRST_VERSION
    while (event_type, version) in upcasters:
        version += 1
    return version


def upcast(event_type: str, version: int, data: Payload,
           upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS) -> Payload:
    """`data`, stored at schema `version`, as today's code expects it. The stored dict is
    never changed (each step returns a new one); today's payloads come back as they are."""
    step = upcasters.get((event_type, version))
    while step is not None:
        data = step(data)
        version += 1
        step = upcasters.get((event_type, version))
    return data


# Today's version of each type that has steps; every other type is at FIRST_VERSION.
_CURRENT: dict[str, int] = {event_type: current_version(event_type)
                            for event_type, _ in UPCASTERS}


def written_version(event_type: str) -> int:
    """`current_version` of the default chain, looked up (appends ask it for every event)."""
    return _CURRENT.get(event_type, FIRST_VERSION)
