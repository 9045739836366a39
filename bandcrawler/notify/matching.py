"""Which changes of a concert each watch hears of (pure: views in, news out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bandcrawler.domain.changes import Change, Said, changes_between
from bandcrawler.domain.events import DomainEvent
from bandcrawler.domain.watch import Watch


def news_for(watch: Watch, previous: dict[str, Any] | None, current: dict[str, Any],
             said: Sequence[tuple[DomainEvent, Said]], position: int, at: str,
             today: date | None = None) -> list[Change]:
    """The changes from `previous` (None: new) to `current` that `watch` hears of.

    A concert counts for the watch when it matches before or after (one that moves out of
    the area is news too). One the watch could not place before (no location yet) and
    matches now is "announced" for it: the watch has not heard of it yet.
    """
    after = watch.matches(current, today)
    before = watch.matches(previous, today) if previous is not None else False
    if not (after or before):
        return []
    if previous is not None and before is None and after:
        previous = None
    wanted = set(watch.changes)
    return [c for c in changes_between(previous, current, said, position, at)
            if c.kind in wanted]
