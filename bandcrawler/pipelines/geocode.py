"""Geocode: locate the concert's venue (source coordinates, cache, geocoder)."""

from __future__ import annotations

import logging
from typing import Any

from bandcrawler.pipelines.context import Batcher, ContextPipeline, is_settled, step_errors
from bandcrawler.services.concerts import (
    Located,
    load_concerts,
    locate_concerts,
    record_locations,
)
from bandcrawler.services.unit_of_work import MAX_CONFLICT_RETRIES
from bandcrawler.store.event_store import ConcurrencyError

logger = logging.getLogger(__name__)


class GeocodePipeline(ContextPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._geocode = Batcher(self._geocode_batch)

    async def process_item(self, item):
        if is_settled(item):  # nothing to do (see RecordPipeline)
            return item
        meta = {"source_url": item.get("source_url")}
        located = await self._geocode((item["concert_id"], meta))
        self.context.count("bandcrawler/events/appended",
                             located.concert.version - item["version"])
        item["version"] = located.concert.version
        if located.error:
            step_errors(item)["geocode"] = located.error
            self.context.count("bandcrawler/geocode/failed")
            logger.warning("Could not locate concert %s: %s", item["concert_id"], located.error)
        elif located.concert.location is None:  # nothing to locate: not a success either
            self.context.count("bandcrawler/geocode/no_place")
        else:
            self.context.count("bandcrawler/geocode/ok")
        return item

    async def _geocode_batch(self, batch: list[tuple[str, dict[str, Any]]]) -> list[Located]:
        """services.concerts.geocode_concerts, with the store's work on its thread and the
        locating on the geocoder's."""
        run, store, cache = self.context.run, self.app.store, self.context.concerts
        metas: dict[str, dict[str, Any]] = {}
        for concert_id, meta in batch:
            metas.setdefault(concert_id, meta)
        todo, done = list(metas), dict[str, Located]()
        for _attempt in range(MAX_CONFLICT_RETRIES):
            concerts = await run("db", load_concerts, store, todo, cache)
            decisions = await run("geo", locate_concerts, self.app.locator, concerts)
            outcome = await run("db", record_locations, store, concerts, decisions,
                                [metas[c.concert_id] for c in concerts], cache)
            done.update((c.concert_id, found) for c, found in zip(concerts, outcome,
                                                                  strict=True) if found)
            todo = [c.concert_id for c, found in zip(concerts, outcome, strict=True)
                    if found is None]
            if not todo:
                return [done[concert_id] for concert_id, _ in batch]
        raise ConcurrencyError(f"concert-{todo[0]}", -1)
