"""Concert items from a page's schema.org JSON-LD and microdata, and its next-page links."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

import jstyleson
import lxml.etree
import lxml.html
from extruct.w3cmicrodata import MicrodataExtractor
from w3lib.encoding import html_to_unicode

from bandcrawler.domain.identity import normalize_key
from bandcrawler.extract import Rejected
from bandcrawler.extract.guard import MAX_DEPTH, check_depth, unique
from bandcrawler.extract.schema_org import Node, event_item, find_events, index_nodes

_JSONLD_SCRIPTS = lxml.etree.XPath(
    "//script[translate(normalize-space(@type), 'LDJSON', 'ldjson') = 'application/ld+json']"
)
# Wrappers CMS templates put around the JSON: HTML comments, CDATA, JS comment lines.
_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$")
_NEXT_TEXTS = {"next", "next page", "next events", "older events", "more events"}
_NEXT_ARROWS = {"»", "›", "→"}
_NEXT_CLASS = re.compile(r"(?:^|[-_])next(?:$|[-_])|^nextpostslink$")


def parse_events(body: bytes | str, url: str) -> Iterator[dict[str, Any] | Rejected]:
    """Yield one item per schema.org event on the page, or a Rejected for what cannot be used.

    Each JSON-LD `<script>` is parsed on its own, so one broken block only costs itself.
    Microdata is read only when the JSON-LD holds no event, because many themes emit the same
    events both ways. Exact duplicates (one event listed twice on a page) are yielded once.
    """
    tree = _parse_html(body)
    if tree is None:
        return
    blocks: list[Any] = []
    for number, script in enumerate(_JSONLD_SCRIPTS(tree), start=1):
        try:
            data = load_block(script.text_content())
        except ValueError as error:
            yield Rejected("broken_jsonld", f"script #{number} on {url}: {error}",
                           whole_page=True)
            continue
        if data is not None:
            blocks.append(data)
    events = list(find_events(blocks))
    if not events:
        blocks = _microdata(tree, url)
        events = list(find_events(blocks))
    nodes = index_nodes(blocks)
    yield from one_per_performance(unique(event_item(event, url, nodes) for event in events))


def one_per_performance(items: Iterable[dict[str, Any] | Rejected]
                        ) -> Iterator[dict[str, Any] | Rejected]:
    """Each performance once: an event a page carries twice under different `@id`s (an SEO
    plugin's graph beside the events plugin's own list) has the same link, name, start and
    place; the fuller of the two is kept, where the first stood."""
    kept: list[dict[str, Any] | Rejected] = []
    where: dict[tuple[Any, ...], int] = {}
    for item in items:
        if isinstance(item, Rejected):
            kept.append(item)
            continue
        key = tuple(normalize_key(str(item.get(k) or "")) for k in _PERFORMANCE_KEYS)
        if key not in where:
            where[key] = len(kept)
            kept.append(item)
        elif _fullness(item) > _fullness(kept[where[key]]):  # type: ignore[arg-type]
            kept[where[key]] = item
    yield from kept


_PERFORMANCE_KEYS = ("url", "title", "local_date", "local_time", "venue_name", "venue_city")


def _fullness(item: dict[str, Any]) -> int:
    return sum(1 for value in item.values() if value not in (None, "", [], False))


def load_block(text: str) -> Any:
    """Parse one JSON-LD block, forgiving what WordPress plugins emit; None for an empty block.

    Accepted beyond strict JSON: raw control characters inside strings, HTML-comment or CDATA
    wrappers, trailing commas, JS comments, entity-escaped quotes and several values in a row.
    Raises ValueError when none of that recovers it.
    """
    text = "\n".join(_WRAPPER.sub("", line) for line in text.strip().splitlines()).strip()
    if not text:
        return None
    candidates = [text, html.unescape(text)] if "&quot;" in text else [text]
    error: ValueError | None = None
    for candidate in candidates:
        for loads in (_loads, _loads_lenient, _loads_sequence):
            try:
                data = loads(candidate)
            except RecursionError:
                raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
            except ValueError as failure:
                error = error or failure
            else:
                check_depth(data)
                return data
    raise error or ValueError("unreadable JSON-LD")


def _loads(text: str) -> Any:
    return json.loads(text, strict=False)


def _loads_lenient(text: str) -> Any:
    return jstyleson.loads(text, strict=False)


def _loads_sequence(text: str) -> list[Any]:
    """`{...}{...}` or `{...},\n{...}`: values written one after another."""
    decoder = json.JSONDecoder(strict=False)
    values, position = [], 0
    while position < len(text):
        value, position = decoder.raw_decode(text, position)
        values.append(value)
        while position < len(text) and text[position] in " \t\r\n,;":
            position += 1
    if len(values) < 2:
        raise ValueError("not a sequence of JSON values")
    return values


def _parse_html(body: bytes | str) -> lxml.html.HtmlElement | None:
    if isinstance(body, bytes):
        body = html_to_unicode(None, body)[1]
    if not body.strip():
        return None
    # Encoded again so that an XML declaration with an encoding does not trip lxml.
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        return lxml.html.fromstring(body.encode("utf-8"), parser=parser)
    except lxml.etree.ParserError:
        return None


def _microdata(tree: lxml.html.HtmlElement, url: str) -> list[Node]:
    """Microdata items (extruct) in the JSON-LD shape, so one mapping serves both."""
    items = MicrodataExtractor().extract_items(tree, base_url=url)
    return [_as_jsonld(item) for item in items]


def _as_jsonld(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_jsonld(v) for v in value]
    if not isinstance(value, dict) or ("type" not in value and "properties" not in value):
        return value
    if "properties" not in value:
        return value.get("value")
    node = {key: _as_jsonld(v) for key, v in value["properties"].items()}
    node["@type"] = value.get("type", [])
    if value.get("id"):
        node["@id"] = value["id"]
    return node


def next_page_urls(body: bytes | str, url: str) -> list[str]:
    """Absolute URLs of the page's "next page" links (rel=next, "Next" texts, *next* classes)."""
    tree = _parse_html(body)
    if tree is None:
        return []
    base = urljoin(url, (tree.xpath("string(//base/@href)") or "").strip())
    hrefs = [link.get("href") for link in tree.iter("link") if _has_rel_next(link)]
    hrefs += [anchor.get("href") for anchor in tree.iter("a") if _is_next_anchor(anchor)]
    urls: list[str] = []
    for href in hrefs:
        absolute = urljoin(base, (href or "").strip()).split("#")[0]
        if absolute.startswith(("http://", "https://")) and absolute not in [*urls, url]:
            urls.append(absolute)
    return urls


def _has_rel_next(element: lxml.html.HtmlElement) -> bool:
    return "next" in (element.get("rel") or "").lower().split()


def _is_next_anchor(anchor: lxml.html.HtmlElement) -> bool:
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:")) or anchor.get("aria-disabled") == "true":
        return False
    if _has_rel_next(anchor):
        return True
    classes = (anchor.get("class") or "").lower().split()
    if "disabled" in classes:
        return False
    if any(_NEXT_CLASS.search(name) for name in classes):
        return True
    text = " ".join(anchor.text_content().split()).lower()
    words = text.strip(" »›→>").strip()
    return text in _NEXT_ARROWS or words in _NEXT_TEXTS
