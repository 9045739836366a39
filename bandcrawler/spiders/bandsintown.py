"""Bandsintown's REST API (v3): each band's upcoming events, politely and without leaking
the app id."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, urlencode

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from bandcrawler.extract.bandsintown import parse_events, public_url
from bandcrawler.spiders.base import BandSourceSpider

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
            "bandcrawler.middlewares.retry_after.RetryAfterMiddleware": 560,
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
