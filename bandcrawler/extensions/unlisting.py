"""Scrapy extensions: unlisting what a complete crawl of a source no longer lists."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from scrapy import signals
from scrapy.crawler import Crawler

from bandcrawler.pipelines.context import CrawlContext
from bandcrawler.search.projector import ReadModelUnavailable
from bandcrawler.services.projections import catch_up
from bandcrawler.services.unlisting import unlist_missing

logger = logging.getLogger(__name__)


class UnlistingExtension:
    """After a crawl that finished cleanly, the upcoming concerts a source listed before and
    no longer lists get `ConcertUnlisted` (and are marked `listed: false` in the index).

    Only bands whose source the spider read completely count (see BandSourceSpider); a crawl
    that was cut short, or a band whose item failed in a pipeline, unlists nothing.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.failed_bands: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnlistingExtension:
        extension = cls(crawler)
        crawler.signals.connect(extension._scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension._failed, signal=signals.item_error)
        crawler.signals.connect(extension._closed, signal=signals.spider_closed)
        return extension

    def _scraped(self, item, response, spider) -> None:
        self.seen[item["band_id"]].add(item["concert_id"])

    def _failed(self, item, response, spider, failure) -> None:
        if isinstance(item, dict) and item.get("band_id"):
            self.failed_bands.add(item["band_id"])

    async def _closed(self, spider, reason: str) -> None:
        complete_bands = getattr(spider, "complete_bands", None)
        if reason == "finished" and complete_bands is not None:
            await self._unlist(spider, complete_bands() - self.failed_bands)

    async def _unlist(self, spider, band_ids: set[str]) -> None:
        context = CrawlContext.of(self.crawler)
        app, today = context.app, datetime.now(UTC).date().isoformat()
        meta = {"spider": spider.name, "job": self.crawler.settings.get("JOB_ID")}
        unlisted: dict[str, int] = {}
        for band_id in sorted(band_ids):
            unlisted.update(await context.run("db", unlist_missing, app.store, band_id,
                                              spider.name, self.seen[band_id], today, meta))
        if not unlisted:
            return
        for concert_id, version in unlisted.items():
            await context.run("db", app.saga.report, concert_id, version=version)
        if context.project_inline:  # the pipelines closed before this: project the unlistings
            await self._project(context, list(unlisted))
        self.crawler.stats.set_value("bandcrawler/concerts/unlisted", len(unlisted))
        logger.info("%d concert(s) no longer listed by %s", len(unlisted), spider.name)

    @staticmethod
    async def _project(context: CrawlContext, concert_ids: list[str]) -> None:
        """Catch the write model up on the store's thread, the read model on Elasticsearch's,
        as the pipelines do; the saga keeps what Elasticsearch could not take pending."""
        app = context.app
        await context.run("db", catch_up, app.write_model, app.store)
        try:
            await context.run("es", catch_up, app.read_model, app.store)
        except ReadModelUnavailable as exc:
            await context.run("db", app.saga.report_indexed, {},
                              dict.fromkeys(concert_ids, str(exc)))
            return
        await context.run("es", app.read_model.refresh)
