"""Scrapy extension: a source that cannot be read says so in one line (the spider's own)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

# Whose failures the band-source spiders report themselves, one line per band and URL
# ("Could not read URL for BAND: reason"). Scrapy would add an ERROR with a traceback for a
# robots.txt it could not fetch, for a page that failed too (the same outage, told again).
ROBOTSTXT_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class _NoRobotsTxtDownloadErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Error downloading ")


class FailureLinesExtension:
    """Installs the filter for the crawl and removes it when the spider closes."""

    def __init__(self) -> None:
        self.filter = _NoRobotsTxtDownloadErrors()
        logging.getLogger(ROBOTSTXT_LOGGER).addFilter(self.filter)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLinesExtension:
        extension = cls()
        crawler.signals.connect(extension._closed, signal=signals.spider_closed)
        return extension

    def _closed(self, spider) -> None:
        logging.getLogger(ROBOTSTXT_LOGGER).removeFilter(self.filter)
