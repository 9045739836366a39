"""Where a band's web page says its dates live: a page in, candidate sources out."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit, urlunsplit

import lxml.html

from bandcrawler.extract import Rejected
from bandcrawler.extract.jsonld import parse_events

# Link texts and path words that lead to a band's dates, in the languages bands write in.
TOUR_WORDS = (
    "tour", "tourdates", "tour dates", "dates", "shows", "live", "concerts", "concert", "gigs",
    "events", "upcoming", "termine", "konzerte", "tourdaten", "auftritte", "live dates",
    "dates de tournee", "tournee", "agenda", "concerts a venir", "conciertos", "gira",
    "fechas", "concerti", "date", "optredens", "spelningar", "keikat", "koncerty", "turne",
)
_WORDS = re.compile(r"^(?:" + "|".join(re.escape(w) for w in sorted(TOUR_WORDS, key=len,
                                                                      reverse=True))
                    + r")(?: \d{4})?$")
LINK_IN_BIO_HOSTS = ("linktr.ee", "lnk.bio", "beacons.ai", "bio.link", "linkin.bio",
                     "solo.to", "campsite.bio", "hoo.be")
_SONGKICK = re.compile(r"songkick\.com/(?:artists|injector)/(\d+)|widget-app\.songkick\.com"
                       r"/injector/(\d+)", re.IGNORECASE)
# The Events Calendar's "?ical=1", Squarespace's "?format=ical", "outlook-ical=1".
_ICAL_QUERY = re.compile(r"(?:^|&)(?:[\w-]*ical=1|format=ical)(?:&|$)", re.IGNORECASE)
_BANDSINTOWN_LINK = re.compile(r"^/(?:[a-z]{2}/)?a/(\d+)", re.IGNORECASE)


@dataclass
class PageFindings:
    """What one page says about where the band's dates are."""

    url: str
    events: int = 0
    feeds: list[str] = field(default_factory=list)
    bandsintown: list[str] = field(default_factory=list)  # artist names or id_<n>
    songkick: list[str] = field(default_factory=list)  # Songkick artist ids
    tour_links: list[str] = field(default_factory=list)
    embeds: list[str] = field(default_factory=list)  # framed HTML (a site builder's widgets)
    link_in_bio: bool = False
    needs_javascript: bool = False

    @property
    def found_anything(self) -> bool:
        return bool(self.events or self.feeds or self.bandsintown or self.songkick)


def read_page(body: bytes, url: str) -> PageFindings:
    """Schema.org events, calendar feeds, widgets and links to tour pages on one HTML page."""
    found = PageFindings(url)
    found.events = sum(1 for r in parse_events(body, url) if not isinstance(r, Rejected))
    try:
        tree = lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return found
    base = _base(tree, url)
    found.link_in_bio = _host(url) in LINK_IN_BIO_HOSTS
    for link in tree.iter("link"):
        if (link.get("type") or "").lower().startswith("text/calendar") and link.get("href"):
            _add_feed(found.feeds, feed_url(urljoin(base, link.get("href"))))
    for frame in tree.iter("iframe"):
        src = (frame.get("src") or "").strip()
        feeds = google_calendar_feeds(src)
        for feed in feeds:
            _add_feed(found.feeds, feed)
        embed = _embed(base, src) if not feeds else None
        if embed:
            _add(found.embeds, embed)
    for element in tree.xpath("//*[@data-artist-name or @data-artist-id]"):
        artist = _bandsintown_artist(element.get("data-artist-id"),
                                     element.get("data-artist-name"))
        if artist:
            _add(found.bandsintown, artist)
    for text in tree.xpath("//script/@src | //a/@href | //*[@data-artist]/@data-artist"):
        match = _SONGKICK.search(text)
        if match:
            _add(found.songkick, match.group(1) or match.group(2))
    _read_anchors(tree, base, found)
    found.needs_javascript = not found.found_anything and _looks_scripted(tree)
    return found


def _read_anchors(tree: lxml.html.HtmlElement, base: str, found: PageFindings) -> None:
    site = _host(found.url)
    anchors = list(_anchors(tree, base))
    web = [parts for _a, _t, parts in anchors if parts.scheme in ("http", "https")]
    # A link-in-bio page (its own service, or a page of nothing but links to elsewhere):
    # its "Tour" link may lead to another site.
    found.link_in_bio = found.link_in_bio or (
        len(web) >= 3 and all(_host(p.geturl()) != site for p in web))
    for anchor, target, parts in anchors:
        if parts.scheme == "webcal" or parts.path.lower().endswith(".ics") \
                or _ICAL_QUERY.search(parts.query):
            _add_feed(found.feeds, feed_url(target))
            continue
        if parts.scheme not in ("http", "https"):
            continue
        host = _host(target)
        if host == "bandsintown.com":
            match = _BANDSINTOWN_LINK.match(parts.path)
            if match:
                _add(found.bandsintown, f"id_{match.group(1)}")
            continue
        if host == "calendar.google.com":
            for feed in google_calendar_feeds(target):
                _add(found.feeds, feed)
            continue
        link = urlunsplit(parts._replace(fragment=""))
        if (host == site or found.link_in_bio) and link != found.url \
                and _is_tour_link(anchor, parts.path):
            _add(found.tour_links, link)


def _anchors(tree: lxml.html.HtmlElement, base: str):
    """(anchor, absolute URL, its parts) of each link; malformed URLs are skipped."""
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        try:
            target = urljoin(base, href)
            yield anchor, target, urlsplit(target)
        except ValueError:
            continue


def _is_tour_link(anchor: lxml.html.HtmlElement, path: str) -> bool:
    text = _plain(anchor.text_content())
    last = _plain(unquote(path.rstrip("/").rsplit("/", 1)[-1]).replace("-", " "))
    return bool(_WORDS.match(text) or _WORDS.match(last))


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", text).strip()


def feed_url(url: str) -> str:
    """webcal:// is an https feed by another name."""
    parts = urlsplit(url)
    if parts.scheme == "webcal":
        return urlunsplit(parts._replace(scheme="https"))
    return url


def google_calendar_feeds(src: str) -> list[str]:
    """The public iCalendar URLs of a Google Calendar embed (`…/calendar/embed?src=ID`)."""
    try:
        parts = urlsplit("https:" + src if src.startswith("//") else src)
        host = parts.hostname or ""
    except ValueError:
        return []
    if host != "calendar.google.com" or "/embed" not in parts.path:
        return []
    return [f"https://calendar.google.com/calendar/ical/{quote(cal, safe='')}/public/basic.ics"
            for cal in parse_qs(parts.query).get("src", []) if cal.strip()]


# Players and maps in frames hold no dates; a site builder's "HTML embed" frame may.
_NOT_EMBEDS = ("youtube.com", "youtube-nocookie.com", "player.vimeo.com", "open.spotify.com",
               "bandcamp.com", "soundcloud.com", "google.com", "maps.google.com",
               "music.apple.com", "instagram.com", "facebook.com")


def _embed(base: str, src: str) -> str | None:
    try:
        url = urljoin(base, src)
        host = _host(url)
        scheme = urlsplit(url).scheme
    except ValueError:
        return None
    if scheme not in ("http", "https") or any(host == h or host.endswith("." + h)
                                               for h in _NOT_EMBEDS):
        return None
    return url


def _bandsintown_artist(artist_id: str | None, name: str | None) -> str | None:
    artist_id = (artist_id or "").strip()
    if artist_id:
        return artist_id if artist_id.startswith("id_") else f"id_{artist_id}"
    return (name or "").strip() or None


def _looks_scripted(tree: lxml.html.HtmlElement) -> bool:
    """A page whose dates a script draws: scripts, and little text without them."""
    if not tree.xpath("//script[@src]"):
        return False
    for node in tree.xpath("//script | //style | //noscript"):
        node.drop_tree()
    return len(" ".join(tree.text_content().split())) < 400


def _base(tree: lxml.html.HtmlElement, url: str) -> str:
    base = tree.xpath("//base/@href")
    return urljoin(url, base[0]) if base else url


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def _add_feed(feeds: list[str], url: str) -> None:
    """A feed once, whatever the scheme: webcal:// says nothing of http or https."""
    bare = url.split("://", 1)[-1]
    if all(feed.split("://", 1)[-1] != bare for feed in feeds):
        feeds.append(url)


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)
