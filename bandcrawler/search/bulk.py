"""Buffered bulk writer with external versions, shared by the live pipeline and reindex."""

from __future__ import annotations

import logging
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, Elasticsearch, SerializationError, TransportError
from elasticsearch.helpers import streaming_bulk

from bandcrawler.faults import kill_point
from bandcrawler.search.client import transport_problem

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_REASON = 300


@dataclass
class FlushResult:
    """What one flush did: id -> version now in the index, and id -> why it failed.

    `unavailable` names the failed ones that Elasticsearch could not take at the time
    (network, throttling, gateway errors, after the retries): worth sending again later.
    The others it rejected for themselves (a mapping error, too large).
    """

    indexed: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)

    @property
    def rejected(self) -> dict[str, str]:
        return {k: v for k, v in self.failed.items() if k not in self.unavailable}


class BulkIndexer:
    """Buffers documents and writes them with `version_type=external`.

    A stale version never overwrites a newer one: Elasticsearch answers 409, which
    counts as indexed (an equal or newer version is there). Throttling (429),
    gateway errors (502/503/504) and network failures are retried with exponential
    backoff; `flush` never raises for them, it reports them in `FlushResult.failed`
    and forgets those documents: the caller's saga retries them later.
    """

    def __init__(
        self,
        client: Elasticsearch,
        target: str,
        *,
        max_docs: int = 500,
        max_age_seconds: float = 5.0,
        max_retries: int = 3,
        initial_backoff: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        # This class owns the retries (with backoff): switch the client's own off.
        self.client = client.options(max_retries=0)
        self.target = target
        self.max_docs = max_docs
        self.max_age_seconds = max_age_seconds
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buffer: dict[str, tuple[int, dict[str, Any]]] = {}
        self._oldest: float | None = None

    def add(self, doc_id: str, version: int, document: dict[str, Any]) -> None:
        """Buffer a document; of two for the same id, the higher version stays."""
        with self._lock:
            held = self._buffer.get(doc_id)
            if held is None or version >= held[0]:
                self._buffer[doc_id] = (version, document)
            if self._oldest is None:
                self._oldest = self._clock()

    def due(self) -> bool:
        """True when the buffer is full or its oldest document waited max_age_seconds."""
        with self._lock:
            if len(self._buffer) >= self.max_docs:
                return True
            return self._oldest is not None and (
                self._clock() - self._oldest >= self.max_age_seconds
            )

    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self) -> FlushResult:
        """Send the buffer (which is empty afterwards), at most `max_docs` documents per bulk
        request, and report what happened."""
        with self._lock:
            batch, self._buffer, self._oldest = self._buffer, {}, None
        result = FlushResult()
        held = list(batch.items())
        for start in range(0, len(held), self.max_docs):
            self._send_with_retries(dict(held[start:start + self.max_docs]), result)
        if result.failed:
            logger.warning("Bulk to %s: %d document(s) failed", self.target, len(result.failed))
        return result

    def _send_with_retries(self, batch: dict[str, tuple[int, dict[str, Any]]],
                           result: FlushResult) -> None:
        todo = batch
        retry: dict[str, str] = {}
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self.initial_backoff * 2 ** (attempt - 1)
                logger.warning(
                    "Bulk to %s: %d document(s) not written (%s); retry %d/%d in %.2fs",
                    self.target, len(todo), next(iter(retry.values())),
                    attempt, self.max_retries, delay,
                )
                self._sleep(delay)
            kill_point("bulk")  # the batch is out of the buffer, not yet in Elasticsearch
            retry = self._send(todo, result)
            kill_point("bulk_sent")  # in Elasticsearch, the saga not told yet
            todo = {doc_id: batch[doc_id] for doc_id in retry}
            if not todo:
                break
        else:
            result.failed.update(retry)
            result.unavailable.update(retry)

    def discard(self, reason: str) -> FlushResult:
        """Empty the buffer without sending, reporting every document as failed for `reason`."""
        with self._lock:
            batch, self._buffer, self._oldest = self._buffer, {}, None
        return FlushResult(failed=dict.fromkeys(batch, _short(reason)), unavailable=set(batch))

    def _send(
        self, todo: dict[str, tuple[int, dict[str, Any]]], result: FlushResult
    ) -> dict[str, str]:
        """One bulk pass; records final outcomes in `result`, returns id -> reason to retry."""
        retry: dict[str, str] = {}
        answered: set[str] = set()
        try:
            for ok, item in streaming_bulk(
                self.client, self._actions(todo), chunk_size=self.max_docs,
                max_retries=0, raise_on_error=False, raise_on_exception=False,
            ):
                info = item["index"]
                doc_id = info["_id"]
                answered.add(doc_id)
                status = info.get("status")
                if ok or status == 409:
                    result.indexed[doc_id] = todo[doc_id][0]
                elif status in RETRY_STATUSES:
                    retry[doc_id] = _reason(info)
                else:
                    result.failed[doc_id] = _reason(info)
        except SerializationError as exc:
            result.failed.update(dict.fromkeys(set(todo) - answered, _short(f"invalid: {exc!r}")))
        except TransportError as exc:  # ConnectionError, ConnectionTimeout, TLS errors
            reason = _short(f"unavailable: {transport_problem(exc)}")
            retry.update(dict.fromkeys(set(todo) - answered, reason))
        return retry

    def _actions(self, todo: dict[str, tuple[int, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
        for doc_id, (version, document) in todo.items():
            yield {
                "_op_type": "index",
                "_index": self.target,
                "_id": doc_id,
                "version": version,
                "version_type": "external",
                "_source": document,
            }


def _reason(info: dict[str, Any]) -> str:
    exc = info.get("exception")
    if isinstance(exc, ApiError):  # the whole request failed
        return _short(f"HTTP {exc.status_code}: {exc.message}")
    error = info.get("error")
    if isinstance(error, dict):
        return _short(f"HTTP {info.get('status')}: {error.get('type')}: {error.get('reason')}")
    return _short(f"HTTP {info.get('status')}: {error}")


def _short(text: str) -> str:
    # At a word boundary: a reason is read by people (`saga status`), not cut mid-word.
    return textwrap.shorten(text, MAX_REASON, placeholder=" …")
