"""Which parser reads which source kind, and one page, feed or answer read in full."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict
from types import ModuleType
from typing import Any

from bandcrawler.extract import Rejected, bandsintown, ical, jsonld, musicbrainz

KINDS: dict[str, ModuleType] = {
    "jsonld": jsonld, "ical": ical, "bandsintown": bandsintown, "musicbrainz": musicbrainz,
}
_ICAL = re.compile(rb"^\s*(?:\xef\xbb\xbf)?BEGIN:V(?:CALENDAR|EVENT)", re.IGNORECASE)


def guess_kind(name: str, body: bytes) -> str:
    """The source kind of a body: iCalendar by its first line, JSON by MusicBrainz' or
    Bandsintown's shape, anything else a web page."""
    lowered = name.lower().split("?")[0]
    if _ICAL.match(body) or lowered.endswith((".ics", ".ical")):
        return "ical"
    head = body.lstrip()[:1]
    if head in (b"[", b"{") or lowered.endswith(".json"):
        try:
            data = json.loads(body)
        except ValueError:
            return "bandsintown" if head == b"[" else "jsonld"
        if isinstance(data, dict) and ("events" in data or "life-span" in data):
            return "musicbrainz"
        return "bandsintown"
    return "jsonld"


def parse_source(kind: str, body: bytes, url: str,
                 parse: Callable[[bytes, str], Iterable[Any]] | None = None
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(items, rejections) of one body read by the `kind` parser; nothing is recorded."""
    reader = parse or KINDS[kind].parse_events
    items, rejected = [], []
    for out in reader(body, url):
        if isinstance(out, Rejected):
            rejected.append(asdict(out))
        else:
            items.append(out)
    return items, rejected
