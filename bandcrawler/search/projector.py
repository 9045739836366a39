"""The read model as a projection of the log: concert documents into Elasticsearch."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from bandcrawler.domain.concert import Concert
from bandcrawler.domain.view import concert_document
from bandcrawler.search.bulk import BulkIndexer, FlushResult
from bandcrawler.search.client import transport_problem
from bandcrawler.search.index import ConcertIndex
from bandcrawler.store.checkpoints import (
    forget_checkpoints,
    read_checkpoint,
    save_checkpoint,
)
from bandcrawler.store.event_store import EventStore, StoredEvent
from bandcrawler.store.repository import ConcertRepository
from bandcrawler.store.saga import SagaStore

logger = logging.getLogger(__name__)

NAME = "read_model"
REBUILD_CHUNK = 1000  # documents per bulk request in a rebuild's load
# Bulk requests in flight in a rebuild's load. Two keep the server busy while the answer to
# one travels back and the next is encoded; Elasticsearch indexes them in parallel.
REBUILD_SENDERS = 2
# How long a live projector trusts the index it found behind the alias (a reindex elsewhere
# moves the alias; writes go through the alias, so only the checkpoint's name is at stake).
RESOLVE_SECONDS = 30.0


class ReadModelUnavailable(Exception):
    """Elasticsearch could not take a batch now: the checkpoint stays, a later catch-up
    replays from it."""


class ReadModelProjector:
    """A projection (see services/projections.py) into one index: the alias's (live) or a
    rebuild's new index (`target`).

    Its checkpoint is kept in the database under the name of the concrete index, and moves
    only once Elasticsearch answered the bulk request: a crash or an outage replays from
    the last confirmed position, and the documents' external versions (the stream version)
    make the replay harmless. A document Elasticsearch rejects for itself (mapping error,
    too large) is recorded in the saga with its reason and does not hold the checkpoint back.
    """

    def __init__(self, store: EventStore, client, alias: str, saga: SagaStore, *,
                 max_docs: int = 500, target: str | None = None,
                 repository: ConcertRepository | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.client, self.saga = store, client, saga
        self.index = ConcertIndex(client, alias)
        self.max_docs, self.target = max_docs, target
        self.repository = repository or ConcertRepository(store)
        self._clock = clock
        self._resolved: tuple[str, float] | None = None
        self.stats: Counter[str] = Counter()  # documents indexed and failed, for crawl stats

    @property
    def name(self) -> str:
        return f"{NAME}:{self.target or self._current_index()}"

    def checkpoint(self) -> int:
        return read_checkpoint(self.store.engine, self.name)

    def apply(self, batch: Sequence[StoredEvent]) -> None:
        """Index each concert the batch touched, as of its last position; then, the bulk
        answer in hand, move the checkpoint and tell the saga, in one transaction."""
        name = self.name
        touched = {e.stream_id: e.version for e in batch if e.stream_id.startswith("concert-")}
        with self.store.engine.connect() as conn:
            states = self.repository.get_many(
                conn, [s.removeprefix("concert-") for s in touched],
                up_to_position=batch[-1].position, versions=touched, read_only=True)
        result = self._send(states.values())
        self.stats.update(indexed=len(result.indexed), failed=len(result.failed))
        if result.unavailable:
            failed = {i: result.failed[i] for i in result.unavailable}
            self.saga.report_indexed(result.indexed, failed)
            raise ReadModelUnavailable(next(iter(failed.values())))
        with self.store.engine.begin() as conn:
            save_checkpoint(conn, name, batch[-1].position)
            self.saga.report_indexed(result.indexed, result.rejected, conn=conn)

    def index_concerts(self, concert_ids: Sequence[str]) -> FlushResult:
        """Index the current state of these concerts now (saga resume: those Elasticsearch
        rejected before), telling the saga what happened."""
        with self.store.engine.connect() as conn:
            states = self.repository.get_many(conn, concert_ids, read_only=True)
        try:
            self._current_index()
        except ReadModelUnavailable as exc:
            result = self._send(states.values(), unavailable=str(exc))
        else:
            result = self._send(states.values())
        self.saga.report_indexed(result.indexed, result.failed)
        return result

    def refresh(self) -> None:
        """Make what was indexed searchable now (at the end of a crawl or resume)."""
        try:
            self.index.refresh(self.target)
        except Exception as exc:  # noqa: BLE001 - documents are written; visibility will follow
            logger.warning("Could not refresh the index: %s", exc)

    def _send(self, concerts: Iterable[Concert], *, max_docs: int | None = None,
              unavailable: str | None = None) -> FlushResult:
        """Bulk-write the concerts' documents (or, when Elasticsearch is `unavailable`, report
        each as failed for that reason)."""
        writer = BulkIndexer(self.client, self.target or self.index.alias,
                             max_docs=max_docs or self.max_docs, max_age_seconds=3600)
        for concert in concerts:
            writer.add(concert.concert_id, concert.version, concert_document(concert))
        if not writer.pending():
            return FlushResult()
        result = writer.discard(unavailable) if unavailable else writer.flush()
        if result.failed:
            logger.warning("Elasticsearch did not take %d document(s): %s; they stay pending "
                           "(bandcrawler saga resume)", len(result.failed),
                           next(iter(result.failed.values())))
        return result

    def _current_index(self) -> str:
        """The index behind the alias (made with the template if there is none), found at
        most every RESOLVE_SECONDS; ReadModelUnavailable when Elasticsearch cannot say."""
        now = self._clock()
        if self._resolved is None or now - self._resolved[1] >= RESOLVE_SECONDS:
            try:
                self._resolved = (self.index.ensure(), now)
            except Exception as exc:  # noqa: BLE001 - any transport failure: retry later
                raise ReadModelUnavailable(f"unavailable: {transport_problem(exc)}") from None
        return self._resolved[0]

    # -- rebuild ---------------------------------------------------------------------

    def rebuild_into_new_index(self) -> ReadModelProjector:
        """A projector into a new index (made for a bulk load), loaded with every concert as
        of the head of the log and its checkpoint at that head: `services.indexing.reindex`
        goes on from there."""
        self.index.ensure()
        target = self.index.new_index(bulk_load=True)
        builder = ReadModelProjector(self.store, self.client, self.index.alias, self.saga,
                                     max_docs=self.max_docs, target=target)
        builder._load(self.store.last_position())
        return builder

    def swap_in(self, builder: ReadModelProjector) -> int:
        """Put the builder's index behind the alias (the old one is deleted in the same
        call) and forget the old index's checkpoint; returns how many indices it deleted."""
        assert builder.target is not None
        old = self.index.current_index()
        self.index.end_bulk_load(builder.target)
        deleted = self.index.swap_alias(builder.target)
        with self.store.engine.begin() as conn:
            forget_checkpoints(conn, [f"{NAME}:{name}" for name in {old, *deleted} if name])
        self._resolved = None
        return len(deleted)

    def _load(self, head: int) -> None:
        """Every concert as of `head` into the target, and the checkpoint set to `head`.

        Concerts are folded one stream after another into chunks of REBUILD_CHUNK documents,
        while REBUILD_SENDERS threads send the previous chunks: this process and
        Elasticsearch work at the same time rather than in turn. Each document is in one
        chunk only and carries its version, so the order the chunks arrive in does not
        matter. The saga hears only of the versions it did not know as indexed.
        """
        outcome = FlushResult()
        known: dict[str, int] = {}
        lock = threading.Lock()

        def send(chunk: list[Concert]) -> None:
            result = self._send(chunk, max_docs=len(chunk))
            with lock:
                outcome.indexed.update(result.indexed)
                outcome.failed.update(result.failed)
                outcome.unavailable.update(result.unavailable)

        with ThreadPoolExecutor(REBUILD_SENDERS, thread_name_prefix="bandcrawler-reindex"
                                ) as sender:
            sending: deque[Future] = deque()

            def submit(chunk: list[Concert]) -> None:
                known.update(self.saga.indexed_versions([c.concert_id for c in chunk]))
                if len(sending) >= REBUILD_SENDERS:
                    sending.popleft().result()  # every sender busy: wait for the oldest
                sending.append(sender.submit(send, chunk))

            chunk: list[Concert] = []
            for concert in self.repository.every(up_to_position=head):
                chunk.append(concert)
                if len(chunk) >= REBUILD_CHUNK:
                    submit(chunk)
                    chunk = []
            if chunk:
                submit(chunk)
            while sending:
                sending.popleft().result()
        if outcome.unavailable:
            raise ReadModelUnavailable(outcome.failed[next(iter(outcome.unavailable))])
        # The saga's versions only grow: a report at or below what it had changes nothing.
        self.saga.report_indexed({concert_id: version for concert_id, version
                                  in outcome.indexed.items()
                                  if known.get(concert_id, -1) < version}, outcome.rejected)
        with self.store.engine.begin() as conn:
            save_checkpoint(conn, self.name, head)


def fold_all_concerts(store: EventStore) -> dict[str, Concert]:
    """Every concert's current state, by id."""
    return {concert.concert_id: concert for concert in ConcertRepository(store).every()}
