"""Backpressure from the item pipelines to the downloader."""

from __future__ import annotations

import asyncio

from scrapy import Request, signals
from scrapy.crawler import Crawler

from bandcrawler.config import MAX_ITEMS_IN_FLIGHT, max_items_in_flight

__all__ = ["MAX_ITEMS_IN_FLIGHT", "ItemBackpressure"]


class ItemBackpressure:
    """A downloader middleware: a request waits before it is downloaded while the item
    pipelines hold more than BANDCRAWLER_MAX_ITEMS_IN_FLIGHT items (0: no limit).

    Scrapy's own bound (SCRAPER_SLOT_MAX_ACTIVE_SIZE) counts the bytes of the responses being
    scraped, 5 MB by default: about 900 of our tour pages, and every item of each of them
    waiting in a pipeline, which costs far more memory than the page did. So when the
    pipelines are slower than the crawl, the crawl would hold that many items however long it
    runs; with this it holds about this many, whatever the size of the pages.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.limit = max_items_in_flight(crawler.settings)  # a bad value: ConfigError
        self._room = asyncio.Event()
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemBackpressure:
        return cls(crawler)

    def items_in_flight(self) -> int:
        engine = self.crawler.engine
        slot = engine.scraper.slot if engine is not None else None
        return slot.itemproc_size if slot is not None else 0

    def _full(self) -> bool:
        return 0 < self.limit <= self.items_in_flight()

    def _item_done(self, *args, **kwargs) -> None:
        # Sent while the finished item still counts: there is room once it leaves.
        if self.items_in_flight() <= self.limit:
            self._room.set()

    async def process_request(self, request: Request) -> None:
        while self._full():
            self._room.clear()
            # The signals wake us; the timeout covers an item that leaves without one.
            try:
                await asyncio.wait_for(self._room.wait(), timeout=1.0)
            except TimeoutError:
                pass
        return None
