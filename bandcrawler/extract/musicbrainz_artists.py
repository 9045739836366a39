"""MusicBrainz artist answers: a search answer in, candidates out; url-rels in, sources out."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bandcrawler.domain.band import artist_mbid


class MalformedAnswer(ValueError):
    """The answer is not the JSON MusicBrainz sends; the message says what is wrong."""


@dataclass(frozen=True)
class ArtistCandidate:
    mbid: str
    name: str
    score: int
    disambiguation: str = ""
    country: str = ""
    life_span: str = ""
    aliases: tuple[str, ...] = ()

    def describe(self) -> str:
        extra = ", ".join(x for x in (self.disambiguation, self.country, self.life_span) if x)
        return f"{self.name}" + (f" ({extra})" if extra else "") + f" [{self.mbid}]"


@dataclass(frozen=True)
class LinkedSource:
    """One URL relationship of an artist: what it is and, if bandcrawler reads it, as what."""

    relation: str
    url: str
    kind: str | None = None  # website (to discover), bandsintown, or None: not crawlable
    value: str | None = None
    why_not: str = ""


def _json(body: bytes | str) -> dict[str, Any]:
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedAnswer(f"not JSON: {exc}") from None
    if not isinstance(answer, dict):
        raise MalformedAnswer(f"expected a JSON object, got {type(answer).__name__}")
    return answer


def parse_artist_search(body: bytes | str) -> list[ArtistCandidate]:
    """Candidates from `/ws/2/artist?query=…&fmt=json`, best first; malformed ones skipped."""
    artists = _json(body).get("artists")
    if not isinstance(artists, list):
        raise MalformedAnswer("no 'artists' list in the answer")
    found = [c for c in map(_candidate, artists) if c is not None]
    return sorted(found, key=lambda c: -c.score)


def _candidate(artist: Any) -> ArtistCandidate | None:
    if not isinstance(artist, dict) or not isinstance(artist.get("name"), str):
        return None
    mbid = artist_mbid(str(artist.get("id", "")))
    if mbid is None:
        return None
    span = artist.get("life-span")
    if not isinstance(span, dict):
        span = {}
    begin, end = str(span.get("begin") or ""), str(span.get("end") or "")
    life = f"{begin}–{end}" if end else (f"since {begin}" if begin else "")
    try:
        score = int(artist.get("score", 0))
    except (TypeError, ValueError):
        score = 0
    aliases = tuple(a["name"] for a in artist.get("aliases") or []
                    if isinstance(a, dict) and isinstance(a.get("name"), str))
    return ArtistCandidate(mbid, artist["name"], score, str(artist.get("disambiguation") or ""),
                           str(artist.get("country") or ""), life, aliases)


def same_name(a: str, b: str) -> bool:
    """Names a person would call the same: case, accents, punctuation and a leading "The"
    aside."""
    return _key(a) == _key(b)


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w]+", " ", text.replace("&", " and ")).strip()
    return text.removeprefix("the ")


def matching(candidates: list[ArtistCandidate], name: str) -> list[ArtistCandidate]:
    """The candidates called `name` (or with it as an alias)."""
    return [c for c in candidates
            if same_name(c.name, name) or any(same_name(a, name) for a in c.aliases)]


_BANDSINTOWN = re.compile(r"^/(?:[a-z]{2}/)?a/(\d+)", re.IGNORECASE)
_NOT_READ = {
    "songkick": "Songkick's API needs a partner key; bandcrawler has no Songkick spider",
    "setlistfm": "setlist.fm lists past concerts only",
    "social network": "a social page: no dates bandcrawler can read",
    "youtube": "a video page", "streaming": "a streaming page", "bandcamp": "",
}


def parse_url_rels(body: bytes | str) -> tuple[str, list[LinkedSource]]:
    """The artist's name and its URL relationships from `/ws/2/artist/<mbid>?inc=url-rels`."""
    answer = _json(body)
    relations = answer.get("relations")
    if not isinstance(relations, list):
        raise MalformedAnswer("no 'relations' list in the answer")
    linked = []
    for rel in relations:
        url = ((rel.get("url") or {}).get("resource") if isinstance(rel, dict) else None)
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            continue
        if rel.get("ended"):
            continue
        linked.append(linked_source(str(rel.get("type") or ""), url))
    return str(answer.get("name") or ""), linked


def linked_source(relation: str, url: str) -> LinkedSource:
    """What bandcrawler can do with one linked URL."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if relation == "bandsintown" or host == "bandsintown.com":
        match = _BANDSINTOWN.match(urlsplit(url).path)
        if match:
            return LinkedSource(relation, url, "bandsintown", f"id_{match.group(1)}")
        return LinkedSource(relation, url, why_not="a Bandsintown URL without an artist id")
    if relation in ("official homepage", "bandcamp") or host.endswith("bandcamp.com"):
        return LinkedSource(relation, url, "website", url)
    return LinkedSource(relation, url, why_not=_NOT_READ.get(relation)
                        or f"{relation or 'link'}: not a source bandcrawler reads")
