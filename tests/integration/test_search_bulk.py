"""BulkIndexer against a real server, a dead port and a throttling server."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Iterator

import pytest

from bandcrawler.search.bulk import BulkIndexer
from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.servers import free_port


@pytest.fixture
def concert_index(client, index_alias):
    index = ConcertIndex(client, index_alias)
    index.ensure()
    yield index
    index.drop()


def test_flush_indexes_documents_with_the_stream_version(client, concert_index):
    indexer = BulkIndexer(client, concert_index.alias)
    indexer.add("c1", 3, {"concert_id": "c1", "band": "Radiohead"})
    indexer.add("c2", 1, {"concert_id": "c2", "band": "Low"})

    result = indexer.flush()

    assert result.indexed == {"c1": 3, "c2": 1}
    assert result.failed == {}
    assert indexer.pending() == 0
    doc = client.get(index=concert_index.alias, id="c1")
    assert doc["_version"] == 3
    assert doc["_source"]["band"] == "Radiohead"


def test_a_flush_sends_at_most_max_docs_documents_per_bulk_request(client, concert_index):
    requests: list[int] = []

    class Counting(BulkIndexer):
        def _send(self, todo, result):
            requests.append(len(todo))
            return super()._send(todo, result)

    indexer = Counting(client, concert_index.alias, max_docs=2)
    for n in range(5):
        indexer.add(f"c{n}", 1, {"concert_id": f"c{n}"})

    result = indexer.flush()

    assert requests == [2, 2, 1]
    assert result.indexed == {f"c{n}": 1 for n in range(5)}


def test_a_stale_version_never_overwrites_a_newer_one(client, concert_index):
    indexer = BulkIndexer(client, concert_index.alias)
    indexer.add("c1", 3, {"title": "v3"})
    indexer.flush()
    indexer.add("c1", 2, {"title": "v2"})

    result = indexer.flush()

    assert result.indexed == {"c1": 2}  # a conflict: an equal or newer version is there
    assert result.failed == {}
    doc = client.get(index=concert_index.alias, id="c1")
    assert (doc["_version"], doc["_source"]["title"]) == (3, "v3")


def test_rewriting_the_same_version_is_idempotent(client, concert_index):
    indexer = BulkIndexer(client, concert_index.alias)
    for _ in range(2):
        indexer.add("c1", 1, {"title": "same"})
        assert indexer.flush().indexed == {"c1": 1}
    assert client.get(index=concert_index.alias, id="c1")["_version"] == 1


def test_a_rejected_document_fails_alone_with_the_error_type(client, concert_index):
    indexer = BulkIndexer(client, concert_index.alias)
    indexer.add("good", 1, {"local_date": "2025-06-01"})
    indexer.add("bad", 1, {"local_date": "not a date"})

    result = indexer.flush()

    assert result.indexed == {"good": 1}
    assert set(result.failed) == {"bad"}
    assert "400" in result.failed["bad"]


def test_flush_against_a_dead_port_fails_every_document_without_raising():
    dead = make_client(f"http://127.0.0.1:{free_port()}", request_timeout=1.0)
    indexer = BulkIndexer(dead, "concerts", max_retries=2, initial_backoff=0.01)
    indexer.add("c1", 1, {})
    indexer.add("c2", 1, {})

    started = time.monotonic()
    result = indexer.flush()

    assert time.monotonic() - started < 5
    assert result.indexed == {}
    assert set(result.failed) == {"c1", "c2"}
    reasons = result.failed.values()
    assert all(reason.startswith("unavailable: ConnectionError") for reason in reasons)
    assert indexer.pending() == 0


def test_flush_gives_up_after_max_retries_when_always_throttled():
    with fake_bulk_server(throttle_first=100) as (url, attempts):
        client = make_client(url)
        indexer = BulkIndexer(client, "concerts", max_retries=3, initial_backoff=0.01)
        indexer.add("c1", 1, {})

        result = indexer.flush()

    assert result.indexed == {}
    assert "429" in result.failed["c1"]
    assert len(attempts) == 4  # the first try and max_retries retries, no client retries


def test_flush_retries_a_throttled_bulk_and_then_succeeds():
    with fake_bulk_server(throttle_first=2) as (url, attempts):
        client = make_client(url)
        indexer = BulkIndexer(client, "concerts", max_retries=3, initial_backoff=0.01)
        indexer.add("c1", 7, {})

        result = indexer.flush()

    assert result.indexed == {"c1": 7}
    assert result.failed == {}
    assert len(attempts) == 3


@contextlib.contextmanager
def fake_bulk_server(throttle_first: int) -> Iterator[tuple[str, list[str]]]:
    """Answers bulk requests with 429 `throttle_first` times, then with success for each item."""
    attempts: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            attempts.append(self.path)
            if len(attempts) <= throttle_first:
                self._answer(429, {"error": {"type": "es_rejected_execution_exception",
                                             "reason": "queue full"}, "status": 429})
                return
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            items = [{"index": {"_id": op["index"]["_id"], "status": 201, "result": "created"}}
                     for op in lines[::2]]
            self._answer(200, {"took": 1, "errors": False, "items": items})

        do_PUT = do_POST  # noqa: N815 - the client sends bulk requests as PUT

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", attempts
    finally:
        server.shutdown()
        server.server_close()
