"""Scrapy extensions: unlisting what a complete crawl of a source no longer lists, unless the
listing is suspect; what each crawl read, for `band list`."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from bandcrawler.pipelines.context import CrawlContext
from bandcrawler.search.projector import ReadModelUnavailable
from bandcrawler.services.projections import catch_up
from bandcrawler.services.unlisting import ListingRule, check_listing, unlist_missing

logger = logging.getLogger(__name__)


class UnlistingExtension:
    """After a crawl that finished cleanly, the upcoming concerts a source listed before and
    no longer lists get `ConcertUnlisted` (and are marked `listed: false` in the index).

    Only bands whose source the spider read completely count (see BandSourceSpider); a crawl
    that was cut short, or a band whose item failed in a pipeline, unlists nothing. Nor does
    a suspect listing (one that fell to zero or shrank by more than
    BANDCRAWLER_SUSPECT_SHRINK since the last trusted one: a maintenance page, a broken
    theme) until BANDCRAWLER_SUSPECT_CONFIRMATIONS later crawls give the same answer.
    """

    def __init__(self, crawler: Crawler, rule: ListingRule):
        self.crawler, self.rule = crawler, rule
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.failed_bands: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnlistingExtension:
        settings = crawler.settings
        shrink = settings.getfloat("BANDCRAWLER_SUSPECT_SHRINK", 0.5)
        confirmations = settings.getint("BANDCRAWLER_SUSPECT_CONFIRMATIONS", 1)
        if not 0 <= shrink <= 1 or confirmations < 0:
            raise NotConfigured("BANDCRAWLER_SUSPECT_SHRINK must be within 0..1 and "
                                "BANDCRAWLER_SUSPECT_CONFIRMATIONS at least 0")
        extension = cls(crawler, ListingRule(shrink, confirmations))
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
        if complete_bands is None:
            return
        complete = complete_bands() - self.failed_bands if reason == "finished" else set()
        trusted = await self._check(spider, complete)
        await self._unlist(spider, trusted)

    async def _check(self, spider, complete: set[str]) -> set[str]:
        """Keep what this crawl read of each band; the complete listings not suspect."""
        context, trusted = CrawlContext.of(self.crawler), set()
        for band_id in sorted(spider.crawled_bands):
            ok, suspect = await context.run(
                "db", check_listing, context.app.store, band_id, spider.source_kind,
                self.seen[band_id], band_id in complete, self.rule)
            if ok:
                trusted.add(band_id)
            elif suspect:
                self.crawler.stats.inc_value("bandcrawler/source/suspect")
                logger.warning("Suspect listing of %s sources of %s: %s", spider.source_kind,
                               band_id, suspect)
        return trusted

    async def _unlist(self, spider, band_ids: set[str]) -> None:
        context = CrawlContext.of(self.crawler)
        app, today = context.app, datetime.now(UTC).date().isoformat()
        meta = {"spider": spider.name, "job": self.crawler.settings.get("JOB_ID")}
        unlisted: dict[str, int] = {}
        for band_id in sorted(band_ids):
            unlisted.update(await context.run("db", unlist_missing, app.concerts, band_id,
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
