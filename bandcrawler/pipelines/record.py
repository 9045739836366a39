"""Record: decide the domain events a listing adds and append them to the event store."""

from __future__ import annotations

import functools

from bandcrawler.domain.concert import listing_from
from bandcrawler.pipelines.context import ContextPipeline, mark_settled
from bandcrawler.services.concerts import record_crawled_listings


class RecordPipeline(ContextPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._record = self.context.batcher("db", functools.partial(
            record_crawled_listings, self.app.concerts, self.app.saga))
        self._job = crawler.settings.get("JOB_ID") or None

    async def process_item(self, item):
        meta = {"spider": self.crawler.spider.name if self.crawler.spider else None,
                "job": self._job, "source_url": item.get("source_url")}
        recorded = await self._record((listing_from(item), meta))
        item["concert_id"], item["version"] = recorded.concert_id, recorded.version
        if recorded.settled:  # a re-crawl of an unchanged listing costs little
            mark_settled(item)
            self.context.count("bandcrawler/concerts/settled")
        self.context.count("bandcrawler/events/appended", recorded.appended)
        self.context.count("bandcrawler/concerts/" + ("changed" if recorded.appended
                                                        else "unchanged"))
        return item
