"""The read-model projector: concert documents into Elasticsearch, live and by rebuild."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document
from bandcrawler.saga import SagaStore
from bandcrawler.search.bulk import BulkIndexer, FlushResult
from bandcrawler.search.index import ConcertIndex
from bandcrawler.services.streams import every_concert
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.repository import load_concert

logger = logging.getLogger(__name__)

REBUILD_CHUNK = 1000  # documents per bulk request in a rebuild


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
            logger.warning("Elasticsearch did not take %d document(s): %s", len(result.failed),
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
            return f"unavailable: {type(exc).__name__}: {exc}"[:300]
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

        Concerts are folded one stream after another while a second thread sends the
        previous bulk, so this process and Elasticsearch work at the same time rather than
        in turn.
        """
        self.index.ensure()
        self._index_ready = True
        target = self.index.new_index()
        writer = BulkIndexer(self.client, target, max_docs=REBUILD_CHUNK, max_age_seconds=3600)
        indexed: dict[str, int] = {}

        def send() -> None:
            indexed.update(_complete(writer.flush()))

        with ThreadPoolExecutor(1, thread_name_prefix="bandcrawler-reindex") as sender:
            sending: Future | None = None
            for concert in every_concert(self.store.engine):
                writer.add(concert.concert_id, concert.version, concert_document(concert))
                if writer.pending() >= REBUILD_CHUNK:
                    if sending is not None:
                        sending.result()  # one bulk in flight: the buffer takes the next
                    sending = sender.submit(send)
            if sending is not None:
                sending.result()
            send()
        self.index.refresh(target)
        self.index.swap_alias(target)
        self.saga.report_indexed(indexed, {})
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
