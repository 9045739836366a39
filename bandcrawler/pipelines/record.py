"""Record: decide the domain events a listing adds and append them to the event store."""

from __future__ import annotations

from typing import Any

from bandcrawler.domain.concert import Listing, listing_from
from bandcrawler.pipelines.context import ContextPipeline, step_outcomes
from bandcrawler.services.concerts import Recorded, record_listings

LATER_STEPS = ("geocode", "persist", "index")


class RecordPipeline(ContextPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._record = self.context.batcher("db", self._record_batch)
        self._job = crawler.settings.get("JOB_ID") or None

    async def process_item(self, item):
        meta = {"spider": self.crawler.spider.name if self.crawler.spider else None,
                "job": self._job, "source_url": item.get("source_url")}
        recorded, settled = await self._record((listing_from(item), meta))
        item["concert_id"], item["version"] = recorded.concert_id, recorded.version
        steps = step_outcomes(item)
        steps["record"] = None
        if settled:
            # A listing already recorded, for a concert whose every step is done at its
            # current version: the later steps pass it through (a re-crawl costs little).
            item["settled"] = True
            steps.update(dict.fromkeys(LATER_STEPS))
            self.context.count("bandcrawler/concerts/settled")
        self.context.count("bandcrawler/events/appended", recorded.appended)
        self.context.count("bandcrawler/concerts/" + ("changed" if recorded.appended
                                                        else "unchanged"))
        return item

    def _record_batch(self, batch: list[tuple[Listing, dict[str, Any]]]
                      ) -> list[tuple[Recorded, bool]]:
        recorded = record_listings(self.app.store, batch, cache=self.context.concerts)
        unchanged = {r.concert_id: r.version for r in recorded if not r.appended}
        settled = self.app.saga.settled(unchanged) if unchanged else set()
        return [(r, r.concert_id in settled) for r in recorded]
