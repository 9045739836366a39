"""Geocode: locate the concert's venue (source coordinates, cache, geocoder)."""

from __future__ import annotations

import logging
from typing import Any

from bandcrawler.pipelines.context import Batcher, ContextPipeline, is_settled, step_errors
from bandcrawler.services.concerts import Located, geocode_concerts

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
        """services.concerts.geocode_concerts on the geocoder's thread, its store work on the
        store's."""
        metas: dict[str, dict[str, Any]] = {}
        for concert_id, meta in batch:
            metas.setdefault(concert_id, meta)
        done = await self.context.run("geo", geocode_concerts, self.app.concerts,
                                      self.app.locator, metas,
                                      on_store=self.context.waiting_on("db"))
        return [done[concert_id] for concert_id, _ in batch]
