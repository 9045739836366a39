"""Scrapy extension: once a crawl has stopped, tell people of what it changed."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config

logger = logging.getLogger(__name__)


class NotifyExtension:
    """Runs the notification follower and sends what is due when the engine has stopped
    (after every spider_closed handler, so the crawl's unlistings are in the log), in a
    thread. A channel that is down leaves its deliveries pending for the next run; it never
    fails the crawl. Off with BANDCRAWLER_NOTIFY_AT_CRAWL_END=false (then `bandcrawler
    follow` or `bandcrawler notify` tell people)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NotifyExtension:
        if not crawler.settings.getbool("BANDCRAWLER_NOTIFY_AT_CRAWL_END", True):
            raise NotConfigured("BANDCRAWLER_NOTIFY_AT_CRAWL_END is off")
        extension = cls(crawler)
        crawler.signals.connect(extension._stopped, signal=signals.engine_stopped)
        return extension

    async def _stopped(self) -> None:
        # A coroutine: Scrapy deprecates signal handlers that return a Deferred (its warning
        # would end every crawl).
        await maybe_deferred_to_future(deferToThread(self._notify))

    def _notify(self) -> None:
        from bandcrawler.services.notifications import notify

        app = Bandcrawler(Config.from_settings(self.crawler.settings))
        try:
            outcome = notify(app.store, app.config)
        except Exception:
            logger.exception("Notifying after the crawl failed; `bandcrawler notify` retries")
            return
        finally:
            app.close()
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("bandcrawler/notify/sent", len(outcome.report.sent))
            self.crawler.stats.set_value("bandcrawler/notify/failed",
                                         len(outcome.report.failed))
        if outcome.report.sent or outcome.report.failed:
            logger.info("Alerts: %d message(s) sent, %d failed (retried later)",
                        len(outcome.report.sent), len(outcome.report.failed))
