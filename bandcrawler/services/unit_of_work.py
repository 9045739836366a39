"""The one retry loop of the write side: decide again when another writer got there first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from bandcrawler.store.event_store import ConcurrencyError

logger = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 10
T = TypeVar("T")


def retry_on_conflict(attempt: Callable[[], T]) -> T:
    """`attempt()` (one transaction: read, decide, append), again while another writer
    appended to a stream it read (ConcurrencyError: the transaction rolled back, nothing of
    it stayed), at most MAX_CONFLICT_RETRIES times; then the last conflict is raised."""
    for _ in range(MAX_CONFLICT_RETRIES - 1):
        try:
            return attempt()
        except ConcurrencyError as exc:
            logger.debug("Deciding again after a concurrent append: %s", exc)
    return attempt()
