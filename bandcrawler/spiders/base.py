"""What every band-source spider shares: which bands to crawl, requests that report failure,
and counting rejected input."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config, ConfigError
from bandcrawler.extract import Rejected
from bandcrawler.extract.lineups import with_band
from bandcrawler.services.bands import BandView, list_bands

SECRET_PARAMETERS = ("app_id", "api_key", "apikey", "key", "token")


def redact(url: str) -> str:
    """The URL without secrets in its query string, for logs (Bandsintown's app_id, ...)."""
    parts = urlsplit(url)
    query = [(k, "***" if k.lower() in SECRET_PARAMETERS else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


class BandSourceSpider(scrapy.Spider):
    """Crawls the sources of kind `source_kind` of every registered band (`-a band=NAME`
    limits it to one).

    It remembers which bands' sources could not be read completely (a request failed, an
    answer could not be parsed): `complete_bands()` are the others, whose listings this crawl
    saw whole.
    """

    source_kind = ""
    # Subclasses with settings of their own merge these in (see bandsintown).
    custom_settings = {  # noqa: RUF012 - Scrapy reads it from the class
        # Downloads wait while the item pipelines are full (see ItemBackpressure).
        "DOWNLOADER_MIDDLEWARES": {"bandcrawler.middlewares.backpressure.ItemBackpressure": 50},
    }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        # The spider is the crawl's first part built: a setting that cannot work is one line
        # and exit code 1 here, as for the `bandcrawler` command, before the store, the
        # middlewares or the pipelines are built (each would raise it as a traceback).
        try:
            Config.from_settings(crawler.settings)
        except ConfigError as exc:
            logging.getLogger(cls.name).error("%s", exc)
            raise SystemExit(1) from None
        return super().from_crawler(crawler, *args, **kwargs)

    def __init__(self, *args: Any, band: str | None = None, **kwargs: Any):
        # Scrapy sets every `-a NAME=VALUE` as an attribute: one named like a method or a
        # setting of the spider ("-a bands=X" for "band") would break it far from the typo.
        shadowing = sorted(name for name in kwargs if hasattr(type(self), name))
        if shadowing:
            # One line and exit code 2, as for a bad command-line argument: an exception here
            # would reach the user as an asyncio traceback.
            logging.getLogger(self.name).error(
                "Spider argument %r is not one %s takes (it names the spider's own attribute);"
                " the one it takes is -a band=NAME", shadowing[0], self.name)
            raise SystemExit(2)
        super().__init__(*args, **kwargs)
        self.band_name = band
        self.crawled_bands: set[str] = set()
        self.incomplete_bands: set[str] = set()

    def bands(self) -> list[BandView]:
        app = Bandcrawler(Config.from_settings(self.settings))
        try:
            found = list_bands(app.store, kind=self.source_kind, name=self.band_name)
        finally:
            app.close()
        if not found:
            self.logger.warning("No registered band has a %s source%s", self.source_kind,
                                f" and the name {self.band_name!r}" if self.band_name else "")
        self.crawled_bands.update(b.band_id for b in found)
        return found

    def complete_bands(self) -> set[str]:
        return self.crawled_bands - self.incomplete_bands

    def band_request(self, url: str, band: BandView, callback: Callable, **kwargs: Any
                     ) -> scrapy.Request:
        """A request for one band's source; if it fails, that band's listing is incomplete."""
        cb_kwargs = {"band": band, **kwargs.pop("cb_kwargs", {})}
        # Not through the duplicate filter: it would silently end a redirect loop (so a band
        # whose page never loaded would count as completely read, and get its concerts
        # unlisted) and drop a second band's request for a shared URL. Spiders that follow
        # links keep their own per-band set of visited pages instead.
        kwargs.setdefault("dont_filter", True)
        return scrapy.Request(url, callback=callback, errback=self._band_failed,
                              cb_kwargs=cb_kwargs, **kwargs)

    def _band_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it on errbacks
        self.source_failed(request.cb_kwargs["band"], request.url, _failure_reason(failure))

    def source_failed(self, band: BandView, url: str, reason: str) -> None:
        """The band's source could not be read: its listing is incomplete this crawl."""
        self.incomplete_bands.add(band.band_id)
        self.crawler.stats.inc_value(f"bandcrawler/source_errors/{self.source_kind}")
        self.logger.warning("Could not read %s for %s: %s", redact(url), band.name, reason)

    def emit(self, results: Iterable[dict | Rejected], band: BandView, url: str):
        """Items for the pipelines; rejected input is logged and counted, never raised."""
        for result in results:
            if isinstance(result, Rejected):
                self.crawler.stats.inc_value(f"bandcrawler/dropped/{result.reason}")
                self.logger.warning("Dropped from %s: %s (%s)", url, result.reason,
                                    result.detail)
                if result.whole_page:
                    self.incomplete_bands.add(band.band_id)
                continue
            if result.get("source") == "ical" and result.get("lineup"):
                # Read off a title: the band's own name, if split, is put back together.
                result = {**result, "lineup": with_band(result["lineup"], band.name)}
            yield {**result, "band_id": band.band_id, "band": band.name}


def _failure_reason(failure: Failure) -> str:
    """What went wrong, as a person would say it: "HTTP 404", "Connection refused", …"""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return failure.getErrorMessage()
