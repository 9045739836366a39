"""The web front end for tests: an index of given concerts, a real uvicorn serving it."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import uvicorn

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.web.app import create_app
from bandcrawler.web.settings import WebSettings
from tests.support.servers import free_port


def concert(concert_id: str, band: str, local_date: str, city: str, country: str,
            lat: float, lon: float, **extra) -> dict:
    """A read-model document shaped like the projector's."""
    return {
        "concert_id": concert_id, "band_id": band.lower().replace(" ", "-"), "band": band,
        "title": f"{band} live in {city}", "local_date": local_date, "local_time": "20:00",
        "status": "scheduled", "listed": True,
        "venue": {"name": f"{city} Arena", "city": city, "country": country},
        "location": {"lat": lat, "lon": lon}, "geo_precision": "venue", "lineup": [band],
        "url": f"https://{band.lower().replace(' ', '')}.example/tour",
        "sources": ["jsonld"], "updated_at": "2026-11-01T10:00:00+00:00", "version": 1,
        **extra,
    }


@contextlib.contextmanager
def indexed(es_url: str, docs: list[dict]) -> Iterator[str]:
    """A fresh alias holding `docs`; yields its name and drops it after."""
    client = make_client(es_url)
    index = ConcertIndex(client, f"concerts-web-{uuid.uuid4().hex[:8]}")
    index.ensure()
    indexer = BulkIndexer(client, index.alias)
    for doc in docs:
        indexer.add(doc["concert_id"], doc["version"], doc)
    assert not indexer.flush().failed
    index.refresh()
    try:
        yield index.alias
    finally:
        index.drop()
        client.close()


@contextlib.contextmanager
def web_client(database_url: str, es_url: str, alias: str,
               web: WebSettings | None = None) -> Iterator[httpx.Client]:
    """An HTTP client for `bandcrawler serve`'s application under a real uvicorn, in a thread,
    on a free port of 127.0.0.1."""
    app = Bandcrawler(Config(database_url=database_url, elasticsearch_url=es_url,
                             index_alias=alias))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(app, web), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)
        app.close()
