"""The read-model projector: concert documents into Elasticsearch, live and by rebuild."""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document
from bandcrawler.search.bulk import BulkIndexer, FlushResult
from bandcrawler.search.client import transport_problem
from bandcrawler.search.index import ConcertIndex
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import every_concert, load_concert
from bandcrawler.store.saga import SagaStore

logger = logging.getLogger(__name__)

REBUILD_CHUNK = 1000  # documents per bulk request in a rebuild
# Bulk requests in flight in a rebuild. Two keep the server busy while the answer to one
# travels back and the next is encoded; Elasticsearch indexes them in parallel.
REBUILD_SENDERS = 2


class ReadModelProjector:
    """Buffers documents for the live pipeline and rebuilds the whole index from events.

    Documents carry the stream version (external versioning), so a stale write never wins and
    writing the same version twice changes nothing. Every flush reports to the saga.
    """

    def __init__(self, store: EventStore, client, alias: str, saga: SagaStore, *,
                 max_docs: int = 500, max_age_seconds: float = 5.0):
        self.store, self.client, self.saga = store, client, saga
        self.index = ConcertIndex(client, alias)
        self.indexer = BulkIndexer(client, alias, max_docs=max_docs,
                                   max_age_seconds=max_age_seconds)
        self._index_ready = False

    def add(self, concert: Concert) -> None:
        self.indexer.add(concert.concert_id, concert.version, concert_document(concert))

    def due(self) -> bool:
        return self.indexer.due()

    def pending(self) -> int:
        return self.indexer.pending()

    def flush(self, *, refresh: bool = False) -> FlushResult:
        """Send what is buffered; the saga learns what was indexed and what failed, and why.

        `refresh` makes the documents searchable at once (at the end of a crawl or resume),
        rather than at the index's next periodic refresh.
        """
        result = self.send(refresh=refresh)
        self.report(result)
        return result

    def send(self, *, refresh: bool = False) -> FlushResult:
        """The Elasticsearch half of `flush`: the caller reports the result to the saga (the
        pipeline does it on its database thread)."""
        if not self.indexer.pending():
            return FlushResult({}, {})
        problem = self._ensure_index()
        result = self.indexer.discard(problem) if problem else self.indexer.flush()
        if refresh and result.indexed:
            self._refresh()
        if result.failed:
            logger.warning("Elasticsearch did not take %d document(s): %s; they stay pending "
                           "(bandcrawler saga resume)", len(result.failed),
                           next(iter(result.failed.values())))
        return result

    def report(self, result: FlushResult) -> None:
        """The saga half of `flush`."""
        if result.indexed or result.failed:
            self.saga.report_indexed(result.indexed, result.failed)

    def _refresh(self) -> None:
        try:
            self.index.refresh()
        except Exception as exc:  # noqa: BLE001 - documents are written; visibility will follow
            logger.warning("Could not refresh the index: %s", exc)

    def _ensure_index(self) -> str | None:
        """Make sure the template, index and alias exist; the reason if Elasticsearch fails."""
        if self._index_ready:
            return None
        try:
            self.index.ensure()
        except Exception as exc:  # noqa: BLE001 - any transport failure leaves the step pending
            return f"unavailable: {transport_problem(exc)}"
        self._index_ready = True
        return None

    def index_concerts(self, concert_ids: list[str]) -> FlushResult:
        """Index the current state of these concerts now (saga resume)."""
        with self.store.engine.connect() as conn:
            for concert_id in concert_ids:
                self.add(load_concert(self.store, conn, concert_id))
        return self.flush(refresh=True)

    def rebuild(self) -> tuple[str, int]:
        """Replay every event into a new versioned index, then swap the alias to it.

        Concerts are folded one stream after another into chunks of REBUILD_CHUNK documents,
        while REBUILD_SENDERS threads send the previous chunks: this process and
        Elasticsearch work at the same time rather than in turn, and Elasticsearch always has
        a request to work on. Each document is in one chunk only, and carries its version, so
        the order in which the chunks arrive does not matter. The index takes no periodic
        refresh until it is complete.
        """
        self.index.ensure()
        self._index_ready = True
        target = self.index.new_index(bulk_load=True)
        indexed: dict[str, int] = {}
        known: dict[str, int] = {}  # the version the saga had as indexed, read meanwhile
        lock = threading.Lock()

        def send(chunk: list[tuple[str, int, dict]]) -> None:
            writer = BulkIndexer(self.client, target, max_docs=len(chunk),
                                 max_age_seconds=3600)
            for doc_id, version, document in chunk:
                writer.add(doc_id, version, document)
            done = _complete(writer.flush())
            with lock:
                indexed.update(done)

        with ThreadPoolExecutor(REBUILD_SENDERS, thread_name_prefix="bandcrawler-reindex"
                                ) as sender:
            sending: deque[Future] = deque()
            chunk: list[tuple[str, int, dict]] = []

            def submit(full: list[tuple[str, int, dict]]) -> None:
                known.update(self.saga.indexed_versions([c[0] for c in full]))
                if len(sending) >= REBUILD_SENDERS:
                    sending.popleft().result()  # every sender busy: wait for the oldest
                sending.append(sender.submit(send, full))

            for concert in every_concert(self.store.engine):
                chunk.append((concert.concert_id, concert.version, concert_document(concert)))
                if len(chunk) >= REBUILD_CHUNK:
                    submit(chunk)
                    chunk = []
            if chunk:
                submit(chunk)
            while sending:
                sending.popleft().result()
        self.index.end_bulk_load(target)
        self.index.swap_alias(target)
        # The saga's versions only grow: a report at or below what it had changes nothing.
        self.saga.report_indexed({concert_id: version for concert_id, version in indexed.items()
                                  if known.get(concert_id, -1) < version}, {})
        return target, len(indexed)


def _complete(result: FlushResult) -> dict[str, int]:
    if result.failed:
        concert_id, reason = next(iter(result.failed.items()))
        raise RuntimeError(f"rebuild failed: {len(result.failed)} document(s) not indexed "
                           f"(first: {concert_id}: {reason})")
    return result.indexed


def fold_all_concerts(store: EventStore) -> dict[str, Concert]:
    """Every concert's current state, by id."""
    return {concert.concert_id: concert for concert in every_concert(store.engine)}
