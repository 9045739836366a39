"""The per-crawl runtime (a Scrapy extension): one application per crawler, and the worker
threads that keep blocking work off the reactor."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config, ConfigError
from bandcrawler.store.errors import StoreError

COUNT_FLUSH = 1000
T = TypeVar("T")
A = TypeVar("A")
R = TypeVar("R")


class CrawlContext:
    """Shared by the pipelines and extensions of one crawler, which find it with
    `CrawlContext.of(crawler)` (it is an extension: `EXTENSIONS` in settings.py). Each kind
    of blocking work has one thread of its own: the store (SQLite has one writer anyway),
    the geocoder (its rate limit is per process) and Elasticsearch, so a slow geocoder never
    holds up the store."""

    def __init__(self, app: Bandcrawler, stats: StatsCollector | None = None):
        self.app = app
        self.stats = stats
        self._counts: Counter[str] = Counter()
        self._counted = 0
        self._threads = {name: ThreadPoolExecutor(1, thread_name_prefix=f"bandcrawler-{name}")
                         for name in ("db", "geo", "es")}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlContext:
        try:
            app = Bandcrawler(Config.from_settings(crawler.settings))
        except (ConfigError, StoreError) as exc:
            # Built before the spider (Scrapy builds extensions first): a setting that
            # cannot work, or a database that cannot be reached, is one line and exit 1.
            what = "database: " if isinstance(exc, StoreError) else ""
            logging.getLogger(__name__).error("%s%s", what, exc)
            raise SystemExit(1) from None
        context = cls(app, crawler.stats)
        crawler.signals.connect(context.flush_counts, signal=signals.spider_closed)
        crawler.signals.connect(context._close, signal=signals.engine_stopped)
        return context

    @staticmethod
    def of(crawler: Crawler) -> CrawlContext:
        context = crawler.get_extension(CrawlContext)
        if context is None:
            raise NotConfigured("bandcrawler's pipelines need its runtime: add "
                                "bandcrawler.pipelines.context.CrawlContext to EXTENSIONS")
        return context

    @property
    def project_inline(self) -> bool:
        """Whether the crawl's pipelines catch the projections up (BANDCRAWLER_PROJECT_INLINE);
        when not, `bandcrawler follow` does."""
        return self.app.config.project_inline

    async def run(self, thread: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads[thread],
                                          functools.partial(fn, *args, **kwargs))

    def waiting_on(self, thread: str) -> Callable[..., Any]:
        """`call(fn, *args)`: fn(*args) on `thread`, waited for: for work that runs on
        another worker thread already and hands a part of it over."""
        pool = self._threads[thread]

        def call(fn: Callable[..., T], *args: Any) -> T:
            return pool.submit(fn, *args).result()

        return call

    def count(self, name: str, n: int = 1) -> None:
        """Add `n` to the crawl stat `name`. Counts are handed to Scrapy's stats in bulk (every
        COUNT_FLUSH counts and when the spider closes): each call of StatsCollector passes
        through a deprecation shim that costs more than a pipeline step's own bookkeeping."""
        self._counts[name] += n
        self._counted += 1
        if self._counted >= COUNT_FLUSH:
            self.flush_counts()

    def flush_counts(self) -> None:
        counts, self._counts, self._counted = self._counts, Counter(), 0
        if self.stats is not None:
            for name, n in counts.items():
                self.stats.inc_value(name, n)

    def batcher(self, thread: str, fn: Callable[[list[A]], Sequence[R]],
                max_size: int = 500) -> Batcher[A, R]:
        """A Batcher that runs `fn(batch)` on `thread`."""
        return Batcher(lambda batch: self.run(thread, fn, batch), max_size)

    def _close(self) -> None:
        for pool in self._threads.values():
            pool.shutdown(wait=True)
        self.app.close()


class ContextPipeline:
    """Base of the bandcrawler pipelines: built from the crawler, sharing its context."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.context = CrawlContext.of(crawler)
        self.app = self.context.app
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)


def step_errors(item: dict) -> dict[str, str]:
    """Why a step failed for the item, by step: what the saga pipeline reports. Whether a
    step is done is not carried on the item: the saga learns it from recorded facts."""
    return item.setdefault("errors", {})


def mark_settled(item: dict) -> None:
    """Every step of the item's concert is done at this version (the saga said so when it
    was recorded): the later steps pass it through without work."""
    item["settled"] = True


def is_settled(item: dict) -> bool:
    return bool(item.get("settled"))


class Batcher(Generic[A, R]):
    """Group commit for one pipeline step: `await batcher(arg)` gives `process([..., arg,
    ...])`'s result for `arg`. Calls that arrive while a batch is being processed wait and go
    together in the next batch (at most `max_size`), so a busy crawl pays one transaction
    per batch rather than per item, and a quiet one waits for nobody.

    If a batch fails, each of its items is processed alone, so that an item that cannot be
    processed fails by itself.
    """

    def __init__(self, process: Callable[[list[A]], Awaitable[Sequence[R]]],
                 max_size: int = 500):
        self.process, self.max_size = process, max_size
        self._waiting: list[tuple[A, asyncio.Future]] = []
        self._draining: asyncio.Task | None = None

    async def __call__(self, arg: A) -> R:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((arg, future))
        if self._draining is None:
            self._draining = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[:self.max_size]
                del self._waiting[:self.max_size]
                outcomes = await self._outcomes([arg for arg, _ in batch])
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # cancelled meanwhile
                        continue
                    if isinstance(outcome, _Failed):
                        future.set_exception(outcome.error)
                    else:
                        future.set_result(outcome)
        finally:
            self._draining = None

    async def _outcomes(self, args: list[A]) -> list[Any]:
        try:
            return list(await self.process(args))
        except Exception as exc:  # noqa: BLE001 - handed to the item's own future
            if len(args) == 1:
                return [_Failed(exc)]
            return [(await self._outcomes([arg]))[0] for arg in args]


class _Failed:
    def __init__(self, error: Exception):
        self.error = error
