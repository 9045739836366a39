"""Bandsintown's REST API (v3): each band's upcoming events, politely and without leaking
the app id."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from bandcrawler.extract.bandsintown import parse_events, public_url
from bandcrawler.spiders.base import BandSourceSpider

try:
    from scrapy.utils.asyncio import sleep
except ImportError:  # Scrapy < 2.18; bandcrawler runs the asyncio reactor
    from asyncio import sleep  # type: ignore[assignment]

logger = logging.getLogger(__name__)

_APP_ID = re.compile(r"(\bapp_id=)[^&\s'\"<>]+", re.IGNORECASE)


class BandsintownSpider(BandSourceSpider):
    """Asks `/artists/{name}/events?date=upcoming` for every Bandsintown name of every band."""

    name = "bandsintown"
    source_kind = "bandsintown"
    redactor: AppIdRedactor
    custom_settings = {  # noqa: RUF012 - Scrapy reads it from the class
        # An API called with our app id, not pages crawled: there is no robots.txt to ask.
        "ROBOTSTXT_OBEY": False,
        "DOWNLOADER_MIDDLEWARES": {
            **BandSourceSpider.custom_settings["DOWNLOADER_MIDDLEWARES"],
            # Above RetryMiddleware (550), so it sees a 429 first.
            "bandcrawler.spiders.bandsintown.RetryAfterMiddleware": 560,
        },
    }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BandsintownSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Installed once the crawl runs: Scrapy replaces its log handler after making the spider.
        spider.redactor = AppIdRedactor()
        crawler.signals.connect(spider.redactor.install, signal=signals.spider_opened)
        crawler.signals.connect(spider.redactor.uninstall, signal=signals.spider_closed)
        return spider

    async def start(self):
        app_id = self.settings.get("BANDSINTOWN_APP_ID")
        if not app_id:
            self.logger.error("BANDSINTOWN_APP_ID is not set; Bandsintown answers nothing "
                              "without it")
            return
        api = self.settings.get("BANDSINTOWN_API_URL").rstrip("/")
        query = urlencode({"app_id": app_id, "date": "upcoming"})
        for band in self.bands():
            for artist in band.sources["bandsintown"]:
                url = f"{api}/artists/{quote(artist.strip(), safe='')}/events?{query}"
                yield self.band_request(url, band, self.parse_answer)

    def parse_answer(self, response: Response, band):
        self.crawler.stats.inc_value("bandcrawler/pages")
        url = public_url(response.url)
        yield from self.emit(parse_events(response.body, url), band, url)


class AppIdRedactor(logging.Filter):
    """Masks `app_id=…` in every log line, Scrapy's own included ("Crawled (200) <GET …>",
    "Gave up retrying <GET …>"): the app id is a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record is the logging module's to report
            return True
        if "app_id=" in message.lower():
            record.msg, record.args = _APP_ID.sub(r"\1***", message), ()
        return True

    def install(self) -> None:
        for handler in logging.root.handlers:
            handler.addFilter(self)

    def uninstall(self) -> None:
        for handler in logging.root.handlers:
            handler.removeFilter(self)


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
        return cls(crawler, crawler.settings.getfloat("BANDCRAWLER_RETRY_AFTER_MAX", 300.0))

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
