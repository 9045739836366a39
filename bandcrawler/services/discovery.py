"""Use case: from a band's name or homepage to the sources bandcrawler can crawl."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bandcrawler.extract.discovery import read_page
from bandcrawler.extract.musicbrainz_artists import (
    ArtistCandidate,
    MalformedAnswer,
    matching,
    parse_artist_search,
    parse_url_rels,
)
from bandcrawler.http_client import FetchError, HttpClient

WEB_PAGE_TYPES = (b"text/html", b"application/xhtml+xml")


@dataclass(frozen=True)
class Found:
    """A source discovery found; `why_not` says why it is not registered, if it is not."""

    kind: str
    value: str
    discovered_from: str
    why_not: str = ""


@dataclass
class Discovery:
    name: str
    mbid: str | None = None
    found: list[Found] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, found: Found) -> None:
        if all((f.kind, f.value) != (found.kind, found.value) for f in self.found):
            self.found.append(found)

    @property
    def usable(self) -> list[Found]:
        return [f for f in self.found if not f.why_not]


@dataclass(frozen=True)
class Resolution:
    """A name looked up: `chosen` if exactly one artist has it, else the candidates."""

    name: str
    chosen: ArtistCandidate | None
    candidates: list[ArtistCandidate]

    @property
    def status(self) -> str:
        if self.chosen is not None:
            return "found"
        return "ambiguous" if self.candidates else "not found"


@dataclass
class Discoverer:
    client: HttpClient
    musicbrainz_api: str
    listenbrainz_api: str = "https://api.listenbrainz.org"
    bandsintown_usable: bool = False
    max_pages: int = 12
    max_depth: int = 2

    def search(self, name: str) -> Resolution:
        """MusicBrainz's artists called `name`: one is chosen only when no other has it."""
        query = urlencode({"query": f'artist:"{name}" OR alias:"{name}"', "fmt": "json",
                           "limit": 10})
        status, _url, body = self.client.get(f"{self.musicbrainz_api}/artist?{query}")
        if status >= 400:
            raise FetchError(f"MusicBrainz search for {name!r}: HTTP {status}")
        try:
            candidates = parse_artist_search(body)
        except MalformedAnswer as exc:
            raise FetchError(f"MusicBrainz search for {name!r}: {exc}") from None
        named = matching(candidates, name)
        return Resolution(name, named[0] if len(named) == 1 else None, named)

    def artist(self, mbid: str, name: str = "") -> Discovery:
        """The artist's MusicBrainz id, its linked sources, and what its sites say."""
        url = f"{self.musicbrainz_api}/artist/{quote(mbid)}?inc=url-rels&fmt=json"
        status, _final, body = self.client.get(url)
        if status == 404:
            raise FetchError(f"MusicBrainz knows no artist {mbid}")
        try:
            known_name, linked = parse_url_rels(body)
        except MalformedAnswer as exc:
            raise FetchError(f"MusicBrainz artist {mbid}: {exc}") from None
        found = Discovery(name or known_name, mbid)
        origin = f"musicbrainz:{mbid}"
        found.add(Found("musicbrainz", mbid, origin))
        for link in linked:
            if link.kind == "website":
                self.website(link.url, found)
            elif link.kind == "bandsintown" and link.value:
                self._bandsintown(found, link.value, origin)
            else:
                found.notes.append(f"skipped {link.url}: {link.why_not}")
        return found

    def website(self, homepage: str, into: Discovery) -> Discovery:
        """Pages with events, feeds and widgets on the site, following tour links."""
        queue, seen, pages = deque([(homepage, 0)]), {homepage}, 0
        while queue and pages < self.max_pages:
            url, depth = queue.popleft()
            pages += 1
            try:
                findings = self._page(url)
            except FetchError as exc:
                into.notes.append(f"could not read {exc}")
                continue
            if findings is None:
                into.notes.append(f"{url}: not a web page")
                continue
            origin = f"website:{url}"
            if findings.events:
                into.add(Found("website", url, origin))
            for feed in findings.feeds:
                into.add(Found("ical", feed, origin))
            for artist in findings.bandsintown:
                self._bandsintown(into, artist, origin)
            for artist_id in findings.songkick:
                into.add(Found("songkick", artist_id, origin, "bandcrawler has no Songkick "
                               "spider (Songkick's API needs a partner key)"))
            if findings.needs_javascript and depth > 0:
                into.notes.append(f"{url}: needs JavaScript; no source found")
            for link in findings.tour_links:
                if link not in seen and depth < self.max_depth:
                    seen.add(link)
                    queue.append((link, depth + 1))
            for embed in findings.embeds:  # a frame is part of its page: same depth
                if embed not in seen:
                    seen.add(embed)
                    queue.appendleft((embed, depth))
        if not any(f.discovered_from.startswith("website:") for f in into.found):
            into.notes.append(f"{homepage}: no dates found on the site")
        return into

    def _page(self, url: str):
        status, final, body = self.client.get(url, robots=True)
        if status >= 400:
            raise FetchError(f"{url}: HTTP {status}")
        head = body.lstrip()[:400].lower()
        if head.startswith((b"%pdf", b"{", b"[", b"\x89png", b"gif8", b"\xff\xd8")):
            return None
        return read_page(body, final)

    def _bandsintown(self, into: Discovery, artist: str, origin: str) -> None:
        into.add(Found("bandsintown", artist, origin, "" if self.bandsintown_usable else
                       "found, but not usable: BANDSINTOWN_APP_ID is not set"))

    def top_artists(self, user: str, count: int) -> list[tuple[str, str | None]]:
        """A ListenBrainz user's most listened artists: (name, MBID or None)."""
        url = (f"{self.listenbrainz_api}/1/stats/user/{quote(user, safe='')}/artists?"
               + urlencode({"count": count, "range": "all_time"}))
        status, _final, body = self.client.get(url)
        if status == 404:
            raise FetchError(f"ListenBrainz knows no user {user!r}")
        if status == 204 or not body.strip():
            raise FetchError(f"ListenBrainz has no statistics for {user!r} yet")
        return _top_artists(body)[:count]


def _top_artists(body: bytes) -> list[tuple[str, str | None]]:
    try:
        artists = json.loads(body)["payload"]["artists"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"ListenBrainz answer is malformed: {type(exc).__name__}") from None
    found = []
    for artist in artists if isinstance(artists, list) else []:
        if not isinstance(artist, dict) or not isinstance(artist.get("artist_name"), str):
            continue
        mbids: Any = artist.get("artist_mbid") or (artist.get("artist_mbids") or [None])[0]
        found.append((artist["artist_name"], mbids if isinstance(mbids, str) else None))
    return found


def make_discoverer(settings) -> Discoverer:
    """The discoverer for these Scrapy settings, with its own client (one per command)."""
    api = settings.get("MUSICBRAINZ_API_URL").rstrip("/")
    contact = (settings.get("MUSICBRAINZ_CONTACT") or "").strip()
    user_agent = settings.get("USER_AGENT") + (f" ( {contact} )" if contact else "")
    client = HttpClient(user_agent, timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 15),
                        min_interval={urlsplit(api).hostname or "": settings.getfloat(
                            "MUSICBRAINZ_MIN_INTERVAL", 1.0)},
                        backoff=settings.getfloat("BANDCRAWLER_HTTP_BACKOFF", 1.0))
    return Discoverer(client, api, settings.get("LISTENBRAINZ_API_URL").rstrip("/"),
                      bool(settings.get("BANDSINTOWN_APP_ID")))
