"""Index: buffer the concert's document for Elasticsearch; flush by size, by age, at close."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from scrapy import signals

from bandcrawler.pipelines.context import ContextPipeline, is_settled, step_outcomes
from bandcrawler.services.indexing import concerts_for_index

logger = logging.getLogger(__name__)

AGE_CHECK_SECONDS = 1.0


class IndexPipeline(ContextPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._ticker: asyncio.Task | None = None
        # Whether this crawl gave the read model anything: one that did not (a re-crawl of
        # unchanged sources) never builds the Elasticsearch client, nor refreshes at close.
        self._added = False
        self._load = self.context.batcher("db", functools.partial(
            concerts_for_index, self.app.store, self.app.saga, cache=self.context.concerts))
        crawler.signals.connect(self._start_ticker, signal=signals.spider_opened)

    async def process_item(self, item):
        if is_settled(item):  # nothing to do (see RecordPipeline)
            return item
        concert = await self._load(item["concert_id"])
        if concert is None:  # this version is in the index already
            step_outcomes(item)["index"] = None
            return item
        self.app.read_model.add(concert)
        self._added = True
        step_outcomes(item)["index"] = "buffered"
        if self.app.read_model.due():
            await self._flush()
        return item

    async def close_spider(self):
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._added:
            await self._flush(refresh=True)

    def _start_ticker(self, spider):
        self._ticker = asyncio.get_running_loop().create_task(self._flush_when_old())

    async def _flush_when_old(self):
        while True:
            await asyncio.sleep(AGE_CHECK_SECONDS)
            if self._added and self.app.read_model.due():
                await self._flush()

    async def _flush(self, refresh: bool = False):
        # One Elasticsearch thread: flushes never overlap; the buffer has its own lock. The
        # saga hears of the result on the store's thread, like every other database write.
        result = await self.context.run("es", self.app.read_model.send, refresh=refresh)
        await self.context.run("db", self.app.read_model.report, result)
        self.context.count("bandcrawler/index/indexed", len(result.indexed))
        self.context.count("bandcrawler/index/failed", len(result.failed))
