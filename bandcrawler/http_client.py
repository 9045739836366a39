"""The one HTTP client of discovery and import: User-Agent, timeouts, retries with back-off,
Retry-After, per-host rate limits shared by every call, robots.txt for web pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import urllib3
from protego import Protego

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A URL could not be read; the message is one line saying why."""


@dataclass
class HttpClient:
    """urllib3 underneath (already installed with the Elasticsearch client); one instance per
    command, so a host's rate limit (`min_interval`: MusicBrainz asks for 1 request/s) holds
    across a whole import, retries included."""

    user_agent: str
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 60.0
    max_bytes: int = 8 * 1024 * 1024
    min_interval: dict[str, float] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    _pool: urllib3.PoolManager = field(init=False, repr=False)
    _last: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _robots: dict[str, Protego | None] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._pool = urllib3.PoolManager(headers={"User-Agent": self.user_agent},
                                         retries=False, timeout=self.timeout)

    def get(self, url: str, *, robots: bool = False,
            headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        """(status, final URL, body) of the last answer: 2xx, or 4xx other than 429 (which the
        caller reads); FetchError when it could not be read. `robots`: obey robots.txt."""
        if robots and not self.allowed(url):
            raise FetchError(f"{url}: robots.txt disallows it")
        for attempt in range(self.retries + 1):
            self._wait_turn(url)
            try:
                answer = self._pool.request("GET", url, headers=headers, redirect=True,
                                            preload_content=False)
                body = answer.read(self.max_bytes + 1)
                answer.release_conn()
                # Counted from the answer too: a request whose sending was slow must not let
                # the next one reach the server less than the interval after it.
                self._last[urlsplit(url).netloc] = time.monotonic()
            except urllib3.exceptions.HTTPError as exc:
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                if attempt == self.retries:
                    raise FetchError(f"{url}: {reason}") from None
                self.sleep(self.backoff * 2 ** attempt)
                continue
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: answer larger than {self.max_bytes} bytes")
            if answer.status not in RETRY_STATUSES:
                if answer.status >= 300:
                    if answer.status >= 500 or answer.status < 400:
                        raise FetchError(f"{url}: HTTP {answer.status}")
                final = answer.geturl() or url
                return answer.status, final if "://" in final else url, body
            if attempt == self.retries:
                raise FetchError(f"{url}: HTTP {answer.status} after {attempt + 1} tries")
            self.sleep(self._delay(answer.headers.get("Retry-After"), attempt, url))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, retry_after: str | None, attempt: int, url: str) -> float:
        """Retry-After (seconds or an HTTP date) when given, else exponential back-off."""
        if retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                try:
                    seconds = parsedate_to_datetime(retry_after).timestamp() - time.time()
                except (TypeError, ValueError):
                    seconds = self.backoff * 2 ** attempt
            if seconds > self.max_retry_after:
                raise FetchError(f"{url}: asks to come back in {seconds:.0f} s")
            return max(seconds, 0.0)
        return self.backoff * 2 ** attempt

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        interval = self.min_interval.get(urlsplit(url).hostname or "", 0.0)
        with self._lock:
            wait = self._last.get(host, -1e9) + interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last[host] = time.monotonic()

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this User-Agent read `url` (no robots.txt: yes)."""
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            try:
                status, _final, body = self.get(root + "/robots.txt")
                rules = Protego.parse(body.decode("utf-8", "replace")) if status < 400 else None
            except FetchError:
                rules = None
            self._robots[root] = rules
        rules = self._robots[root]
        return rules is None or rules.can_fetch(url, self.user_agent)
