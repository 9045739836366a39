"""One application per crawler, and the worker threads that keep blocking work off the reactor."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler

from bandcrawler.app import Bandcrawler
from bandcrawler.config import Config

T = TypeVar("T")


class CrawlContext:
    """Shared by the pipelines of one crawler. Each kind of blocking work has one thread of
    its own: the store (SQLite has one writer anyway), the geocoder (its rate limit is
    per process) and Elasticsearch, so a slow geocoder never holds up the store."""

    def __init__(self, app: Bandcrawler):
        self.app = app
        self._threads = {name: ThreadPoolExecutor(1, thread_name_prefix=f"bandcrawler-{name}")
                         for name in ("db", "geo", "es")}

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlContext:
        context = getattr(crawler, "_bandcrawler_context", None)
        if context is None:
            context = cls(Bandcrawler(Config.from_settings(crawler.settings)))
            crawler._bandcrawler_context = context  # type: ignore[attr-defined]
            crawler.signals.connect(context._close, signal=signals.engine_stopped)
        return context

    async def run(self, thread: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads[thread],
                                          functools.partial(fn, *args, **kwargs))

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


def step_outcomes(item: dict) -> dict[str, str | None]:
    """The per-step outcome an item carries to the saga pipeline (None = done)."""
    return item.setdefault("steps", {})
