"""Scheduling crawls on scrapyd: which spiders have work, and enqueuing what is not queued yet."""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from bandcrawler.domain.identity import band_id_for
from bandcrawler.services.bands import list_bands
from bandcrawler.store.event_store import EventStore

# Our job ids say what the job crawls ("<spider>.<band id or _all>.<random>"), because
# scrapyd's listjobs.json gives the arguments of pending jobs but not of running ones.
_JOB_ID = re.compile(r"^(?P<spider>[\w-]+)\.(?P<band>[\w-]+)\.[0-9a-f]{8,}$")
_ALL = "_all"


class ScrapydError(Exception):
    """scrapyd could not be reached or refused a request; the message says which and why."""


@dataclass(frozen=True, order=True)
class Crawl:
    """One job to run: a spider, for every band it has work for or for one band."""

    spider: str
    band_id: str | None = None
    band_name: str | None = None

    @property
    def label(self) -> str:
        return self.spider if self.band_name is None else f"{self.spider} ({self.band_name})"

    def covered_by(self, queued: set[tuple[str, str | None]]) -> bool:
        return (self.spider, None) in queued or (self.spider, self.band_id) in queued


@dataclass(frozen=True)
class Outcome:
    scheduled: list[tuple[Crawl, str]]  # with the job id
    skipped: list[Crawl]  # already pending or running


class ScrapydClient:
    """The two scrapyd endpoints `schedule` needs, with basic auth; credentials are never
    part of a message or a log line."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None,
                 timeout: float = 30.0):
        parts = urlsplit(url)
        if parts.username:  # http://user:pass@host:6800/ works too
            username, password = parts.username, parts.password or ""
            port = f":{parts.port}" if parts.port else ""
            parts = parts._replace(netloc=f"{parts.hostname or ''}{port}")
        self.url = urlunsplit(parts).rstrip("/") + "/"
        self.timeout = timeout
        self._auth = None
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self._auth = f"Basic {token}"

    @classmethod
    def from_environment(cls, url: str) -> ScrapydClient:
        # Empty means not set, as for every setting from the environment.
        return cls(url, os.environ.get("SCRAPYD_USERNAME") or None,
                   os.environ.get("SCRAPYD_PASSWORD") or None)

    def queued(self, project: str) -> set[tuple[str, str | None]]:
        """(spider, band id or None for all bands) of every pending or running job."""
        jobs = self._call("listjobs.json", {"project": project})
        keys: set[tuple[str, str | None]] = set()
        for job in jobs.get("pending", []):
            keys.add((job["spider"], _job_band(job) or None))
        for job in jobs.get("running", []):
            # A running job we did not name (curl, scrapydweb) counts as crawling everything.
            keys.add((job["spider"], _job_band(job) or None))
        return keys

    def schedule(self, project: str, crawl: Crawl) -> str:
        band = crawl.band_id or _ALL
        form = {"project": project, "spider": crawl.spider,
                "jobid": f"{crawl.spider}.{band}.{uuid.uuid4().hex[:12]}"}
        if crawl.band_name is not None:
            form["band"] = crawl.band_name
        return self._call("schedule.json", form, post=True)["jobid"]

    def _call(self, endpoint: str, params: dict[str, str], post: bool = False) -> dict[str, Any]:
        url = urljoin(self.url, endpoint)
        data = urlencode(params).encode() if post else None
        request = Request(url if post else f"{url}?{urlencode(params)}", data=data)
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read())
        except HTTPError as exc:
            hint = (" (check SCRAPYD_USERNAME and SCRAPYD_PASSWORD)"
                    if exc.code == 401 else "")
            raise ScrapydError(f"{url}: HTTP {exc.code} {exc.reason}{hint}") from None
        except (URLError, OSError, ValueError) as exc:
            raise ScrapydError(f"cannot reach scrapyd at {url}: {exc}") from None
        if body.get("status") != "ok":
            raise ScrapydError(f"{url}: {body.get('message', body)}".strip())
        return body


def _job_band(job: dict[str, Any]) -> str | None:
    if "args" in job:  # a pending job: its arguments are known
        name = job["args"].get("band")
        if name is None:
            return None
        return band_id_for(name)
    match = _JOB_ID.match(job.get("id", ""))
    band = match["band"] if match and match["spider"] == job["spider"] else None
    return None if band == _ALL else band


def source_spiders(settings: BaseSettings) -> dict[str, str]:
    """Every band-source spider of the project, with the kind of source it reads."""
    loader = get_spider_loader(settings)
    kinds = {name: getattr(loader.load(name), "source_kind", "") for name in loader.list()}
    return {name: kind for name, kind in sorted(kinds.items()) if kind}


def crawls_with_work(store: EventStore, spiders: dict[str, str], *,
                     per_band: bool = False) -> list[Crawl]:
    """The spiders that have at least one registered band with their kind of source; with
    `per_band`, one crawl per such band (so scrapyd runs them in parallel)."""
    crawls = []
    for spider, kind in spiders.items():
        bands = list_bands(store, kind=kind)
        if per_band:
            crawls += [Crawl(spider, b.band_id, b.name) for b in bands]
        elif bands:
            crawls.append(Crawl(spider))
    return crawls


def schedule_crawls(client: ScrapydClient, project: str, crawls: Iterable[Crawl]) -> Outcome:
    queued = client.queued(project)
    scheduled, skipped = [], []
    for crawl in crawls:
        if crawl.covered_by(queued):
            skipped.append(crawl)
            continue
        scheduled.append((crawl, client.schedule(project, crawl)))
        queued.add((crawl.spider, crawl.band_id))
    return Outcome(scheduled, skipped)


def select_spiders(available: dict[str, str], wanted: Sequence[str]) -> dict[str, str]:
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise ValueError(f"unknown spider(s) {', '.join(unknown)}; "
                         f"the band-source spiders are {', '.join(available)}")
    return {name: kind for name, kind in available.items() if not wanted or name in wanted}
