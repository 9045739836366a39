"""Local servers answering like band sites (tests/fixtures/discovery), MusicBrainz's artist
search and url-rels, and ListenBrainz's user statistics."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import handler_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
_DAY = re.compile(r"@@DAY(C?)([+-]\d+)@@")
TYPES = {".html": "text/html; charset=utf-8", ".ics": "text/calendar; charset=utf-8",
         ".txt": "text/plain", ".pdf": "application/pdf"}


def render(text: str, host: str, other: str, today: date | None = None) -> str:
    """Fixture tokens: @@DAY+N@@ (ISO date), @@DAYC+N@@ (iCal date), @@HOST@@, @@OTHER@@
    (the same server under another host name: another site)."""
    today = today or date.today()

    def day(match: re.Match) -> str:
        value = (today + timedelta(days=int(match.group(2)))).isoformat()
        return value.replace("-", "") if match.group(1) else value

    return _DAY.sub(day, text).replace("@@HOST@@", host).replace("@@OTHER@@", other)


def fixture_file(path: str, query: str) -> Path | None:
    """/x/events/?ical=1 is x/events/ical_1.ics; /x/tour is x/tour/index.html."""
    node = FIXTURES.joinpath(*[p for p in path.split("/") if p and p not in ("..", ".")])
    if query:
        node = node / (query.replace("=", "_").replace("&", "_") + ".ics")
    elif node.is_dir():
        node = node / "index.html"
    return node if node.is_file() else None


@dataclass
class Sites:
    """Serves the fixture sites and any page a test adds (`pages`: path -> (type, body))."""

    port: int = 0
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    robots: str = ""
    requests: list[str] = field(default_factory=list)

    def __call__(self, request) -> None:
        parts = urlsplit(request.path)
        self.requests.append(request.path)
        host = request.headers.get("Host", "")
        other = f"http://{'localhost' if host.startswith('127.') else '127.0.0.1'}:{self.port}"
        if parts.path == "/robots.txt":
            return _send(request, 200, "text/plain", self.robots.encode())
        if parts.path in self.pages:
            kind, text = self.pages[parts.path]
            return _send(request, 200, kind, render(text, host, other).encode())
        found = fixture_file(parts.path, parts.query)
        if found is None:
            return _send(request, 404, "text/html", b"<h1>Not found</h1>")
        body = render(found.read_text(encoding="utf-8"), host, other).encode()
        _send(request, 200, TYPES.get(found.suffix, "application/octet-stream"), body)


def _send(request, status: int, kind: str, body: bytes, headers: dict | None = None) -> None:
    request.send_response(status)
    request.send_header("Content-Type", kind)
    request.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(body)


@contextlib.contextmanager
def serve_sites(sites: Sites) -> Iterator[str]:
    """`with serve_sites(Sites()) as url:` (the Sites learns its port from the URL)."""
    with handler_server(sites) as url:
        sites.port = int(url.rsplit(":", 1)[1])
        yield url


@dataclass
class Artist:
    mbid: str
    name: str
    urls: list[tuple[str, str]] = field(default_factory=list)  # (relation type, url)
    disambiguation: str = ""
    country: str = ""
    begin: str = ""


@dataclass
class FakeMusicBrainz:
    """`/ws/2/artist?query=` and `/ws/2/artist/<mbid>?inc=url-rels`, as MusicBrainz answers;
    `busy`: how many 503 answers (Retry-After: 1) come first; `broken`: a malformed answer."""

    artists: list[Artist] = field(default_factory=list)
    busy: int = 0
    broken: bool = False
    arrivals: list[float] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request) -> None:
        with self._lock:
            self.arrivals.append(time.monotonic())
            self.user_agents.append(request.headers.get("User-Agent", ""))
            self.paths.append(request.path)
            if self.busy > 0:
                self.busy -= 1
                return _send(request, 503, "text/html", b"<html>Rate limited</html>",
                             {"Retry-After": "1"})
        if self.broken:
            return _send(request, 200, "application/json", b'{"artists": [{"id": "x"')
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        if parts.path.rstrip("/") == "/ws/2/artist":
            return _send(request, 200, "application/json", self._search(query["query"][0]))
        mbid = parts.path.rsplit("/", 1)[-1]
        artist = next((a for a in self.artists if a.mbid == mbid), None)
        if artist is None:
            return _send(request, 404, "application/json", b'{"error": "Not Found"}')
        relations = [{"type": kind, "target-type": "url", "direction": "forward",
                      "ended": False, "url": {"resource": url, "id": "u"}}
                     for kind, url in artist.urls]
        _send(request, 200, "application/json",
              json.dumps({"id": artist.mbid, "name": artist.name, "relations": relations}
                         ).encode())

    def _search(self, query: str) -> bytes:
        wanted = re.search(r'artist:"([^"]*)"', query)
        term = (wanted.group(1) if wanted else query).casefold()
        words = set(term.split())
        found = []
        for artist in self.artists:
            name = artist.name.casefold()
            score = 100 if name == term else 60 if words & set(name.split()) else 0
            if score:
                found.append({"id": artist.mbid, "type": "Group", "score": score,
                              "name": artist.name, "sort-name": artist.name,
                              "country": artist.country, "disambiguation": artist.disambiguation,
                              "life-span": {"begin": artist.begin, "ended": None}})
        return json.dumps({"created": "2026-01-01T00:00:00.000Z", "count": len(found),
                           "offset": 0, "artists": found}).encode()


@dataclass
class FakeListenBrainz:
    """`/1/stats/user/<user>/artists`, as ListenBrainz answers."""

    users: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)

    def __call__(self, request) -> None:
        parts = urlsplit(request.path)
        match = re.fullmatch(r"/1/stats/user/([^/]+)/artists", parts.path)
        if not match or match.group(1) not in self.users:
            return _send(request, 404, "application/json",
                         b'{"code": 404, "error": "Cannot find user"}')
        count = int(parse_qs(parts.query).get("count", ["25"])[0])
        artists = [{"artist_mbid": mbid, "artist_name": name, "listen_count": 100 - i}
                   for i, (name, mbid) in enumerate(self.users[match.group(1)])][:count]
        body = {"payload": {"artists": artists, "count": len(artists), "offset": 0,
                            "range": "all_time", "total_artist_count": len(artists),
                            "user_id": match.group(1), "from_ts": 0, "to_ts": 0,
                            "last_updated": 0}}
        _send(request, 200, "application/json", json.dumps(body).encode())
