"""Fault-suite fixtures: a generated band site, a clean reference crawl, one comparison helper.

Every scenario ends with `assert_same_state(snapshot(...), reference)`: the same concert rows
(timestamps aside), the same event types per stream (none missing, none twice), the same
Elasticsearch documents (timestamps aside) and every saga complete.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import create_engine, select

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from bandcrawler.store.tables import concerts, events, saga
from tests.support.commands import Deployment
from tests.support.servers import static_server

FULL = os.environ.get("BANDCRAWLER_FAULTS_FULL") == "1"
TIMESTAMPS = ("first_seen", "updated_at")
CITIES = [("Paris", "FR"), ("Berlin", "DE"), ("Lyon", "FR"), ("Hamburg", "DE"),
          ("Praha", "CZ"), ("Wien", "AT"), ("Madrid", "ES"), ("Milano", "IT"),
          ("Amsterdam", "NL"), ("Bruxelles", "BE"), ("Zürich", "CH"), ("Lisboa", "PT")]
PAGE_SIZE = 20
# Settings whose value is a secret, and (below) any password inside a URL: a process given
# one must not write it to its stdout, stderr or a log file.
SECRET_SETTINGS = ("ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_API_KEY", "SCRAPYD_PASSWORD",
                   "BANDSINTOWN_APP_ID")
SECRETS_CHECKED = {"processes": 0}  # processes given a secret whose every output was scanned


@dataclass(frozen=True)
class GeneratedSite:
    url: str
    bands: list[tuple[str, str]]  # (name, website URL)
    concerts: int


def write_site(root: Path, bands: int, per_band: int, today: date) -> list[tuple[str, str]]:
    """`bands` band sites of `per_band` JSON-LD concerts each, PAGE_SIZE per page, rel=next."""
    names = []
    for b in range(bands):
        name = f"Fault Band {b:02d}"
        slug = f"band-{b:02d}"
        events_ = []
        for n in range(per_band):
            city, country = CITIES[(b + n) % len(CITIES)]
            day = today + timedelta(days=10 + n * 2 + b)
            events_.append({
                "@context": "https://schema.org", "@type": "MusicEvent",
                "@id": f"/{slug}/event/{n}", "name": f"{name} live #{n}",
                "startDate": f"{day.isoformat()}T20:{n % 60:02d}",
                "performer": {"@type": "MusicGroup", "name": name},
                "location": {"@type": "Place", "name": f"Hall {n} <b>&amp; friends</b>",
                             "address": {"@type": "PostalAddress", "addressLocality": city,
                                         "addressCountry": country}}})
        pages = [events_[i:i + PAGE_SIZE] for i in range(0, len(events_), PAGE_SIZE)]
        for p, chunk in enumerate(pages):
            link = (f'<link rel="next" href="/{slug}/page{p + 1}.html">'
                    if p + 1 < len(pages) else "")
            body = (f"<html><head>{link}<script type=\"application/ld+json\">"
                    f"{json.dumps(chunk)}</script></head><body>{name}</body></html>")
            path = root / slug / f"page{p}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        names.append((name, f"/{slug}/page0.html"))
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return names


def secrets_given(env: dict[str, str], args: tuple[str, ...]) -> set[str]:
    """The secrets a process is given: secret settings and passwords in URLs (env or argv).
    Values under 4 characters are ignored: they would match anything."""
    found = {env[name] for name in SECRET_SETTINGS if env.get(name)}
    for value in [*env.values(), *args]:
        if "://" in value and "@" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                continue
            if password:
                found |= {password, unquote(password)}
    return {secret for secret in found if len(secret) >= 4}


@pytest.fixture(autouse=True)
def no_secret_in_any_output(request, monkeypatch):
    """Every process a fault test runs through a Deployment that was given a secret: the
    secret is in none of its stdout, its stderr, or the test's *.log files."""
    given: list[tuple[set[str], subprocess.CompletedProcess]] = []
    run = Deployment.run
    tmp = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None

    def recording_run(self, *args, **kwargs):
        done = run(self, *args, **kwargs)
        secrets = secrets_given(self.env, args)
        if secrets:
            given.append((secrets, done))
        return done

    monkeypatch.setattr(Deployment, "run", recording_run)
    yield
    if not given:
        return
    secrets = set().union(*(s for s, _ in given))
    logs = list(tmp.rglob("*.log")) if tmp is not None else []
    outputs = [(f"{d.args[:4]} stdout", d.stdout) for _, d in given] + \
              [(f"{d.args[:4]} stderr", d.stderr) for _, d in given] + \
              [(str(log), log.read_text(errors="replace")) for log in logs]
    for where, text in outputs:
        leaked = [secret for secret in secrets if secret in (text or "")]
        assert not leaked, f"a secret is in {where}"
    SECRETS_CHECKED["processes"] += len(given)


@pytest.fixture(scope="session")
def generated_site(tmp_path_factory):
    """A few hundred concerts (more with BANDCRAWLER_FAULTS_FULL=1) on a local server."""
    bands, per_band = (8, 60) if FULL else (5, 40)
    root = tmp_path_factory.mktemp("fault-site")
    names = write_site(root, bands, per_band, date.today())
    with static_server(root) as url:
        yield GeneratedSite(url, [(n, url + path) for n, path in names], bands * per_band)


def new_deployment(tmp_path: Path, es_url: str, name: str = "db") -> Deployment:
    alias = f"concerts-fault-{uuid.uuid4().hex[:8]}"
    return Deployment(f"sqlite:///{tmp_path / f'{name}.db'}", es_url, alias)


def register(deployment: Deployment, site: GeneratedSite) -> None:
    for name, website in site.bands:
        deployment.bandcrawler("band", "add", name, "--website", website)


def snapshot(deployment: Deployment, es_url: str | None = None) -> dict[str, Any]:
    """The whole observable state of one deployment, timestamps aside."""
    engine = create_engine(deployment.env["BANDCRAWLER_DATABASE_URL"])
    with engine.connect() as conn:
        rows = {r.concert_id: {k: v for k, v in r._mapping.items() if k not in TIMESTAMPS}
                for r in conn.execute(select(concerts))}
        streams: dict[str, list[tuple[int, str]]] = {}
        for e in conn.execute(select(events).order_by(events.c.position)):
            streams.setdefault(e.stream_id, []).append((e.version, e.type))
        sagas = {s.concert_id: dict(s._mapping) for s in conn.execute(select(saga))}
    engine.dispose()
    client = make_client(es_url or deployment.env["ELASTICSEARCH_URL"])
    try:
        index = ConcertIndex(client, deployment.env["BANDCRAWLER_INDEX"])
        index.refresh()
        documents = {doc_id: (version, {k: v for k, v in source.items() if k not in TIMESTAMPS})
                     for doc_id, (version, source) in index.documents().items()}
    finally:
        client.close()
    return {"concerts": rows, "streams": streams, "documents": documents, "sagas": sagas}


def assert_same_state(actual: dict[str, Any], reference: dict[str, Any]) -> None:
    """Nothing lost, nothing doubled, every step done: `actual` equals the clean reference."""
    for stream, versions in actual["streams"].items():
        numbers = [v for v, _ in versions]
        assert numbers == list(range(1, len(numbers) + 1)), f"{stream}: versions {numbers}"
    assert set(actual["concerts"]) == set(reference["concerts"]), _diff(
        actual["concerts"], reference["concerts"], "concerts")
    assert actual["concerts"] == reference["concerts"]
    assert set(actual["streams"]) == set(reference["streams"])
    for stream, versions in reference["streams"].items():
        assert [t for _, t in actual["streams"][stream]] == [t for _, t in versions], stream
    assert set(actual["documents"]) == set(reference["documents"]), _diff(
        actual["documents"], reference["documents"], "documents")
    assert actual["documents"] == reference["documents"]
    incomplete = {cid: s for cid, s in actual["sagas"].items()
                  if s["pending_step"] is not None or s["indexed_version"] != s["version"]}
    assert not incomplete, f"{len(incomplete)} saga(s) incomplete: {list(incomplete.items())[:3]}"
    assert set(actual["sagas"]) == set(reference["sagas"])


def _diff(actual: dict, reference: dict, what: str) -> str:
    missing, extra = set(reference) - set(actual), set(actual) - set(reference)
    return f"{what}: {len(missing)} missing {sorted(missing)[:5]}, {len(extra)} extra " \
           f"{sorted(extra)[:5]}"


def drop_index(deployment: Deployment, es_url: str | None = None) -> None:
    client = make_client(es_url or deployment.env["ELASTICSEARCH_URL"])
    try:
        ConcertIndex(client, deployment.env["BANDCRAWLER_INDEX"]).drop()
    finally:
        client.close()


@pytest.fixture(scope="session")
def reference(generated_site, es_url, tmp_path_factory):
    """One clean crawl of the generated site: the state every scenario must end in."""
    deployment = new_deployment(tmp_path_factory.mktemp("reference"), es_url, "reference")
    register(deployment, generated_site)
    deployment.crawl("jsonld")
    state = snapshot(deployment)
    assert len(state["concerts"]) == generated_site.concerts
    yield state
    drop_index(deployment)


def pytest_terminal_summary(terminalreporter):
    """The figures RELIABILITY.md quotes, printed at the end of a run that had fault tests."""
    from tests.faults import (
        test_crash_anywhere,
        test_es_faults,
        test_geocoder_faults,
        test_hostile_input,
        test_reindex_under_load,
    )

    kills = test_crash_anywhere.SURVIVED
    figures = {"kill points survived": f"{kills['kills']} kills at {len(kills['distinct'])} "
                                       "distinct points" if kills["kills"] else 0,
               "Elasticsearch outage seconds survived": round(sum(
                   test_es_faults.FIGURES.values()), 1),
               "geocoder": test_geocoder_faults.FIGURES,
               "hostile inputs tried": test_hostile_input.TRIED["inputs"],
               "reindex under load": test_reindex_under_load.FIGURES,
               "processes given a secret, every output scanned": SECRETS_CHECKED["processes"]}
    if any(figures.values()):
        terminalreporter.write_sep("-", "bandcrawler fault figures")
        for name, value in figures.items():
            terminalreporter.write_line(f"{name}: {value}")
