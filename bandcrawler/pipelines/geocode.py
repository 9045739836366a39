"""Geocode: locate the concert's venue (source coordinates, cache, geocoder)."""

from __future__ import annotations

import logging

from bandcrawler.pipelines.context import ContextPipeline, step_outcomes
from bandcrawler.services.concerts import geocode_concert

logger = logging.getLogger(__name__)


class GeocodePipeline(ContextPipeline):
    async def process_item(self, item):
        meta = {"source_url": item.get("source_url")}
        located = await self.context.run("geo", geocode_concert, self.app.store,
                                         self.app.locator, item["concert_id"], meta)
        self.stats.inc_value("bandcrawler/events/appended",
                             located.concert.version - item["version"])
        item["version"] = located.concert.version
        step_outcomes(item)["geocode"] = located.error
        if located.error:
            self.stats.inc_value("bandcrawler/geocode/failed")
            logger.warning("Could not locate concert %s: %s", item["concert_id"], located.error)
        else:
            self.stats.inc_value("bandcrawler/geocode/ok")
        return item
