"""Index: catch the read model up with the log, by size, by age and at close."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from scrapy import signals

from bandcrawler.pipelines.context import ContextPipeline, is_settled
from bandcrawler.search.projector import ReadModelUnavailable
from bandcrawler.services.projections import catch_up

logger = logging.getLogger(__name__)

AGE_CHECK_SECONDS = 1.0


class IndexPipeline(ContextPipeline):
    """Items never wait for Elasticsearch: each one only notes that the read model has work.
    A catch-up of the read model runs on the Elasticsearch thread when BULK_MAX_DOCS
    concerts wait, when the oldest waited BULK_MAX_AGE seconds, and when the spider closes;
    the projection tells the saga what it indexed. When Elasticsearch cannot take a batch,
    the concerts that waited are told why (the saga keeps them pending) and a later
    catch-up, resume or follower replays from the checkpoint."""

    def __init__(self, crawler):
        super().__init__(crawler)
        config = self.app.config
        self._max_docs, self._max_age = config.bulk_max_docs, config.bulk_max_age
        self._waiting: set[str] = set()  # concerts noted since the last catch-up began
        self._oldest: float | None = None
        self._running: asyncio.Task | None = None
        self._ticker: asyncio.Task | None = None
        # Whether this crawl gave the read model anything: one that did not (a re-crawl of
        # unchanged sources) never builds the Elasticsearch client, nor refreshes at close.
        self._added = False
        crawler.signals.connect(self._start_ticker, signal=signals.spider_opened)

    async def process_item(self, item):
        if is_settled(item) or not self.context.project_inline:
            return item
        if not self._waiting:
            self._oldest = asyncio.get_running_loop().time()
        self._waiting.add(item["concert_id"])
        self._added = True
        if len(self._waiting) >= self._max_docs:
            self._start()
        return item

    async def close_spider(self):
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._running:
            await self._running
        if self._added:
            await self._catch_up(refresh=True)
        stats = self.app.read_model.stats
        self.context.count("bandcrawler/index/indexed", stats["indexed"])
        self.context.count("bandcrawler/index/failed", stats["failed"])

    def _start(self) -> None:
        """One catch-up at a time: one that starts while another runs would find its work
        done or next in line, so it waits for the running one's end (see _flush_when_old)."""
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._catch_up())

    def _start_ticker(self, spider):
        self._ticker = asyncio.get_running_loop().create_task(self._flush_when_old())

    async def _flush_when_old(self):
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(AGE_CHECK_SECONDS)
            if self._waiting and (len(self._waiting) >= self._max_docs or (
                    self._oldest is not None and loop.time() - self._oldest >= self._max_age)):
                self._start()

    async def _catch_up(self, refresh: bool = False) -> None:
        waiting, self._waiting, self._oldest = self._waiting, set(), None
        try:
            await self.context.run("es", self._catch_up_now, refresh)
        except Exception as exc:  # noqa: BLE001 - the saga keeps the step pending, with why
            reason = str(exc) if isinstance(exc, ReadModelUnavailable) \
                else f"{type(exc).__name__}: {exc}"[:300]
            logger.warning("Elasticsearch did not take %d document(s): %s; they stay pending "
                           "(bandcrawler saga resume)", len(waiting), reason)
            await self.context.run("db", self.app.saga.report_indexed, {},
                                   dict.fromkeys(waiting, reason))

    def _catch_up_now(self, refresh: bool) -> None:
        """On the Elasticsearch thread: the catch-up, then (at close) one refresh, so that
        what the crawl indexed is searchable when it ends."""
        catch_up(self.app.read_model, self.app.store)
        if refresh:
            self.app.read_model.refresh()
