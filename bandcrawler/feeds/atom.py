"""Changes as an Atom feed (feedgen), for feed readers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from bandcrawler.domain.changes import Change, describe

EMPTY_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)


def changes_feed(changes: Sequence[Change], *, title: str, feed_id: str,
                 link: str | None = None) -> bytes:
    """An Atom feed of `changes` (newest first, as `services.changes.list_changes` gives
    them): one entry per change, its id stable (the change's key)."""
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.author({"name": "bandcrawler"})
    feed.link(href=link or feed_id, rel="self")
    feed.updated(_moment(changes[0].at) if changes else EMPTY_UPDATED)
    for change in reversed(changes):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(f"urn:bandcrawler:change:{change.key}")
        entry.title(entry_title(change))
        entry.updated(_moment(change.at))
        entry.content(describe(change), type="text")
        if change.concert.get("url"):
            entry.link(href=change.concert["url"])
    return feed.atom_str(pretty=True)


def entry_title(change: Change) -> str:
    c = change.concert
    venue = (c.get("venue") or {}).get("city") or (c.get("venue") or {}).get("name") or ""
    return " ".join(f"{c.get('band')} {c.get('local_date')} {venue}: {change.kind}".split())


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
