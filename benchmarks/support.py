"""What every benchmark shares: arguments, the machine, medians, servers, crawls, the result."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bandcrawler.demo.devserver import QuietHandler, serving
from benchmarks.peak import peak_rss_mib

ROOT = Path(__file__).resolve().parents[1]

# Politeness off and the same, higher, concurrency for the bare and the full crawl: the site
# is local. The telnet console is off so that runs never fight over its port.
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ROBOTSTXT_OBEY": "True",
    "TELNETCONSOLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
}
# "No pipelines": neither bandcrawler's item pipelines nor its unlisting extension.
BARE_SETTINGS = {"ITEM_PIPELINES": "{}", "EXTENSIONS": "{}"}


# -- arguments, the machine, figures -----------------------------------------------------------

def arguments(description: str, *, runs: int = 5, quick_runs: int = 1,
              extra: Callable[[argparse.ArgumentParser], None] | None = None
              ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes that finish in seconds (what CI runs)")
    parser.add_argument("--runs", type=int, default=None,
                        help=f"repetitions; the median is reported (default {runs}, "
                             f"{quick_runs} with --quick)")
    parser.add_argument("--json", type=Path, default=None,
                        help="also append the result as one JSON line to this file")
    if extra:
        extra(parser)
    args = parser.parse_args()
    args.runs = args.runs or (quick_runs if args.quick else runs)
    return args


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gib": round(memory, 1), "cpu": cpu,
            "python": platform.python_version(), "system": platform.platform(terse=True)}


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def say(text: str) -> None:
    """Progress for the person watching (stderr, so stdout holds only the results)."""
    print(text, file=sys.stderr, flush=True)


@dataclass
class Target:
    """`value` compared with `limit`: at least (">=") or at most ("<=")."""

    name: str
    value: float
    op: str
    limit: float

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.op == ">=" else self.value <= self.limit

    def __str__(self) -> str:
        return (f"{self.name}={_fmt(self.value)} (target {self.op} {_fmt(self.limit)}: "
                f"{'met' if self.met else 'MISSED'})")


@dataclass
class Report:
    name: str
    args: argparse.Namespace
    sizes: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)

    def emit(self) -> None:
        """Print the figures, then one `RESULT <name> ...` line; append JSON if asked."""
        info = machine()
        print(f"# {self.name}: {'quick' if self.args.quick else 'full'} size, "
              f"median of {self.args.runs} run(s); {info['cores']} cores, "
              f"{info['memory_gib']} GiB, {info['cpu']}, Python {info['python']}")
        print("sizes: " + ", ".join(f"{k}={v}" for k, v in self.sizes.items()))
        for key, value in self.figures.items():
            print(f"{key}: {_fmt(value)}")
        verdict = " ".join(str(t) for t in self.targets)
        print(f"RESULT {self.name} {verdict}".rstrip())
        if self.args.json:
            record = {"benchmark": self.name, "quick": self.args.quick, "runs": self.args.runs,
                      "machine": info, "sizes": self.sizes, "figures": self.figures,
                      "targets": [{**vars(t), "met": t.met} for t in self.targets]}
            with self.args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


# -- servers -----------------------------------------------------------------------------------

@contextlib.contextmanager
def elasticsearch() -> Iterator[str]:
    """ELASTICSEARCH_URL when set, else a noida-db server of our own for the duration."""
    external = os.environ.get("ELASTICSEARCH_URL")
    if external:
        yield external
        return
    from bandcrawler.demo.devserver import DevElasticsearch

    with tempfile.TemporaryDirectory(prefix="bench-es-") as data:
        server = DevElasticsearch(Path(data))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


def serve_directory(directory: Path) -> contextlib.AbstractContextManager[str]:
    """Serve the files under `directory` from memory on 127.0.0.1 (HTTP/1.1 keep-alive)."""
    files = {"/" + p.relative_to(directory).as_posix(): p.read_bytes()
             for p in directory.rglob("*") if p.is_file()}

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the stdlib handler's name
            body = files.get(self.path.split("?")[0].split("#")[0])
            self.send_response(200 if body is not None else 404)
            kind = "text/html; charset=utf-8" if self.path.endswith(".html") else "text/plain"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    return serving(Handler)


# -- crawls ------------------------------------------------------------------------------------

class Deployment:
    """One SQLite file, one Elasticsearch and one alias, as the environment of subprocesses."""

    def __init__(self, workdir: Path, es_url: str):
        self.workdir = workdir
        self.database_url = f"sqlite:///{workdir / 'bandcrawler.db'}"
        self.alias = f"bench-{uuid.uuid4().hex[:8]}"
        self.es_url = es_url
        self.env = {**os.environ, "BANDCRAWLER_DATABASE_URL": self.database_url,
                    "ELASTICSEARCH_URL": es_url, "BANDCRAWLER_INDEX": self.alias,
                    "BANDCRAWLER_LOG_LEVEL": "INFO"}

    def register(self, bands: Iterable[tuple[str, str]]) -> None:
        """Register (name, website URL) pairs, through the service `band add` calls."""
        from bandcrawler.bootstrap import Bandcrawler
        from bandcrawler.config import Config
        from bandcrawler.services.bands import register_band

        app = Bandcrawler(Config(database_url=self.database_url, elasticsearch_url=self.es_url))
        try:
            for name, url in bands:
                register_band(app.store, app.write_model, name, [("website", url)])
        finally:
            app.close()

    def crawl(self, *, bare: bool, label: str, settings: dict[str, str] | None = None,
              wrapper: Iterable[str] = ()) -> CrawlRun:
        """`scrapy crawl jsonld`; `wrapper` runs it under a profiler, e.g. py-spy record --."""
        chosen = {**CRAWL_SETTINGS, **(BARE_SETTINGS if bare else {}), **(settings or {})}
        options = [arg for name, value in chosen.items() for arg in ("-s", f"{name}={value}")]
        return run_crawl([*wrapper, sys.executable, "-m", "benchmarks.peak", "crawl", "jsonld",
                          *options],
                         self.env, self.workdir / f"{label}.log")

    def drop_index(self) -> None:
        from bandcrawler.search.client import make_client
        from bandcrawler.search.index import ConcertIndex

        client = make_client(self.es_url)
        try:
            ConcertIndex(client, self.alias).drop()
        finally:
            client.close()


@dataclass
class CrawlRun:
    wall_seconds: float  # the whole process, interpreter start to exit
    max_rss_mib: float  # peak resident set size of the crawl process (benchmarks/peak.py)
    cpu_seconds: float  # user + system time of the crawl process
    stats: dict[str, float]  # Scrapy's numeric crawl stats

    @property
    def items(self) -> int:
        return int(self.stats.get("item_scraped_count", 0))

    @property
    def elapsed_seconds(self) -> float:
        """Spider open to close, as Scrapy measures it."""
        return self.stats.get("elapsed_time_seconds", self.wall_seconds)


_STAT = re.compile(r"^[\s{]*'([^']+)': (\d+(?:\.\d+)?)[,}]?$", re.M)  # pprint's lines


def run_crawl(command: list[str], env: dict[str, str], log: Path) -> CrawlRun:
    """Run a crawl process (under benchmarks/peak.py, which prints its peak RSS); its own
    rusage (wait4) gives its CPU time."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    if process.returncode != 0 or "Dumping Scrapy stats" not in text:
        raise RuntimeError(f"crawl exited {process.returncode}; log {log}:\n{text[-3000:]}")
    stats_text = text.split("Dumping Scrapy stats", 1)[1]
    stats = {name: float(value) for name, value in _STAT.findall(stats_text)}
    if "Traceback" in text:
        say(f"warning: a traceback in {log}")
    peak = peak_rss_mib(text)
    if peak is None:
        raise RuntimeError(f"no peak RSS in {log} (not on Linux?)")
    return CrawlRun(wall, peak, usage.ru_utime + usage.ru_stime, stats)


def warm_offline_geocoder() -> float:
    """Load (or build and cache on disk) the GeoNames index once; returns the seconds it took.

    The first build on a machine takes seconds; every later process loads the pickle.
    """
    from bandcrawler.geo.offline import OfflineGeocoder

    started = time.perf_counter()
    OfflineGeocoder().geocode("Paris")
    return time.perf_counter() - started


# -- a synthetic site, served, with Elasticsearch ----------------------------------------------

@dataclass
class SiteRun:
    root: Path
    url: str
    websites: list[tuple[str, str]]  # (band name, first tour page URL)
    es_url: str
    full_settings: dict[str, str]  # for crawls with all pipelines

    def deployment(self) -> Deployment:
        """A fresh database with the site's bands registered, and a fresh index alias."""
        deployment = Deployment(Path(tempfile.mkdtemp(dir=self.root)), self.es_url)
        deployment.register(self.websites)
        return deployment

    def crawl(self, deployment: Deployment, *, bare: bool, label: str) -> CrawlRun:
        settings = None if bare else self.full_settings
        done = deployment.crawl(bare=bare, label=label, settings=settings)
        say(f"{label}: {done.wall_seconds:.2f}s wall, {done.elapsed_seconds:.2f}s crawl, "
            f"{done.items} items, {done.cpu_seconds:.1f}s CPU, {done.max_rss_mib:.0f} MiB")
        return done


@contextlib.contextmanager
def synthetic_site(sizes: dict[str, int]) -> Iterator[SiteRun]:
    """Generate the site (pages, concerts, cities), serve it, start Elasticsearch."""
    from benchmarks import site

    say(f"offline geocoder index ready in {warm_offline_geocoder():.2f}s "
        "(loaded once here first, so no crawl pays for building it)")
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp, elasticsearch() as es_url:
        root = Path(tmp)
        bands = site.generate(root / "site", pages=sizes["pages"], concerts=sizes["concerts"],
                              cities=sizes["cities"],
                              pages_per_band=sizes.get("pages_per_band", site.PAGES_PER_BAND))
        with serve_directory(root / "site") as url:
            yield SiteRun(root, url, [(b.name, url + b.path) for b in bands], es_url,
                          {})


def saga_summary(deployment: Deployment) -> dict[str, Any]:
    from bandcrawler.store.engine import make_engine
    from bandcrawler.store.saga import SagaStore

    engine = make_engine(deployment.database_url)
    try:
        return SagaStore(engine).summary()
    finally:
        engine.dispose()


def count_events(deployment: Deployment) -> int:
    from bandcrawler.store.engine import make_engine
    from bandcrawler.store.event_store import EventStore

    engine = make_engine(deployment.database_url)
    try:
        return EventStore(engine).last_position()
    finally:
        engine.dispose()
