"""The application: one object that wires the store, geocoder, read model and saga together."""

from __future__ import annotations

import logging
from functools import cached_property

from bandcrawler.config import Config
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import ConcertRepository
from bandcrawler.store.saga import SagaStore
from bandcrawler.store.write_model import WriteModelProjector

logger = logging.getLogger(__name__)


class Bandcrawler:
    """Built once per process (or per crawler); adapters are created on first use."""

    def __init__(self, config: Config):
        self.config = config
        self.engine = make_engine(config.database_url)
        self.store = EventStore(self.engine)
        self.saga = SagaStore(self.engine)
        # One repository of concerts per process: its identity map spares the crawl's steps
        # and the projections that follow them folding the same streams again.
        self.concerts = ConcertRepository(self.store)
        self.write_model = WriteModelProjector(self.engine, self.store, saga=self.saga,
                                               repository=self.concerts)

    @cached_property
    def locator(self):
        from bandcrawler.geo.locator import make_locator

        c = self.config
        return make_locator(geocoder=c.geocoder, options=c.geocoder_options,
                            user_agent=c.user_agent, min_delay_seconds=c.geocoder_min_delay,
                            miss_ttl_seconds=c.geocoder_miss_ttl, engine=self.engine)

    @cached_property
    def elasticsearch(self):
        from bandcrawler.search.client import make_client

        # The transport logs every retried connection failure with a traceback; our own
        # one-line warning (and the saga) already says what failed and why.
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
        c = self.config
        return make_client(c.elasticsearch_url, api_key=c.es_api_key, username=c.es_username,
                           password=c.es_password, ca_certs=c.es_ca_certs,
                           request_timeout=c.es_timeout)

    @cached_property
    def read_model(self):
        from bandcrawler.search.projector import ReadModelProjector

        return ReadModelProjector(self.store, self.elasticsearch, self.config.index_alias,
                                  self.saga, max_docs=self.config.bulk_max_docs,
                                  repository=self.concerts)

    def projections(self) -> list:
        """Every follower of the log, in the order `bandcrawler follow` runs them."""
        from bandcrawler.notify.follower import NotificationFollower

        return [self.write_model, self.read_model, NotificationFollower(self.engine)]

    def close(self) -> None:
        if "elasticsearch" in self.__dict__:
            self.elasticsearch.close()
        self.engine.dispose()
