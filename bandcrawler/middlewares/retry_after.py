"""Honour HTTP 429 `Retry-After`: hold a host's requests for as long as it asks, then retry."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from bandcrawler.config import retry_after_max

try:
    from scrapy.utils.asyncio import sleep
except ImportError:  # Scrapy < 2.18; bandcrawler runs the asyncio reactor
    from asyncio import sleep  # type: ignore[assignment]

logger = logging.getLogger(__name__)


class RetryAfterMiddleware:
    """On HTTP 429 with `Retry-After`, holds every request to that host for that long, then
    retries the request (counted against RETRY_TIMES like any retry).

    The wait is an asynchronous sleep in `process_request`, so the reactor keeps running
    and other hosts are not held. A 429 without `Retry-After` is left to Scrapy's
    RetryMiddleware; one asking for more than BANDCRAWLER_RETRY_AFTER_MAX seconds is
    given up (the band's listing is then incomplete, and the next crawl tries again).
    """

    def __init__(self, crawler: Crawler, max_delay: float):
        self.crawler = crawler
        self.max_delay = max_delay
        self._resume_at: dict[str, float] = {}  # host -> time.monotonic() to resume at

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        return cls(crawler, retry_after_max(crawler.settings))  # a bad value: ConfigError

    async def process_request(self, request: Request) -> None:
        wait = self._resume_at.get(urlparse_cached(request).netloc, 0.0) - time.monotonic()
        if wait > 0:
            await sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 429 or request.meta.get("dont_retry"):
            return response
        delay = retry_after(response.headers.get("Retry-After"))
        if delay is None:
            return response
        host = urlparse_cached(request).netloc
        if delay > self.max_delay:
            raise IgnoreRequest(f"{host} asks to wait {delay:g}s (HTTP 429), more than "
                                f"BANDCRAWLER_RETRY_AFTER_MAX={self.max_delay:g}")
        assert self.crawler.spider is not None
        retry = get_retry_request(request, spider=self.crawler.spider, reason="429 Retry-After")
        if retry is None:
            raise IgnoreRequest(f"{host} still answers HTTP 429 (Too Many Requests)")
        self._resume_at[host] = max(self._resume_at.get(host, 0.0), time.monotonic() + delay)
        self.crawler.stats.inc_value("bandcrawler/retry_after")
        logger.info("%s answered HTTP 429: holding its requests for %.1fs", host, delay)
        return retry


def retry_after(value: bytes | str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), else None."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value or ""
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
