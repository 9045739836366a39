"""Performers read off a title or a description: "A + B + C", "A at Venue", "A w/ B"."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bandcrawler.domain.identity import normalize_key
from bandcrawler.extract.normalize import unique_names

# "A + B", "A / B", "A | B", "A; B": separators no band name uses between words.
_HARD = re.compile(r"\s+[+/|]\s+|\s*;\s*")
# Support acts: "A, support: B", "A (support: B)", "A w/ B", "A with B", "A feat. B".
_SUPPORT = re.compile(
    r"\s*[(\[,–-]?\s*(?:\b(?:support(?:ed by)?|special guests?|supporting|feat|"
    r"featuring|vorband|plus)\b\.?|\bw/|\bwith(?= (?-i:[A-Z0-9])))\s*:?\s*", re.IGNORECASE)
# "A & B", "A and B" split only inside a list ("A, B & C"): alone they are one band as often
# as two ("Noah & The Whale", "Simon & Garfunkel").
_SOFT = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:&|and|und|y|et)\s+", re.IGNORECASE)
# "A at Venue", "A @ Venue" (Songkick's feed, calendars): the acts come before it.
_AT = re.compile(r"^(?P<acts>.+?)\s+(?:@|at)\s+\S.*$")
# "(12 Mar 2010)", "[SOLD OUT]": notes after the acts.
_NOTE = re.compile(r"\s*[(\[][^()\[\]]*(?:\d{4}|sold out|cancel+ed|postponed)[^()\[\]]*[)\]]\s*$",
                   re.IGNORECASE)
# Placeholders for acts not announced yet.
_PLACEHOLDER = re.compile(r"^(?:tb[ac]|tba/tbc|more( tba)?|guests?|special guests?|support|"
                          r"and more|\+? ?more|others)$", re.IGNORECASE)
_LEAD = re.compile(r"^(?:an evening with|live:|concert:|konzert:)\s+", re.IGNORECASE)
# A festival or a tour is not a performer; a leading "_" marks a festival in some calendars.
_NOT_AN_ACT = re.compile(r"^_|\b(?:festival|fest|open air|tour|meetup|party)\b", re.IGNORECASE)


def lineup_from_title(title: str | None, known: Iterable[str] = ()) -> list[str]:
    """Performers in billing order from a title that names them by a clear convention
    ("A at Venue", "A @ Venue", or acts joined by "+", "/", "w/", "support:"), else [].

    `known` names (registered bands, the source's own performers) are never split.
    """
    text = _NOTE.sub("", " ".join((title or "").split()))
    at = _AT.match(text)
    if at:
        return split_acts(at["acts"], known)
    if _HARD.search(text) or _SUPPORT.search(text):
        return split_acts(text, known)
    return []


def split_acts(text: str, known: Iterable[str] = ()) -> list[str]:
    """The performers a text of acts names, in order; festivals and tours are not performers."""
    text = _LEAD.sub("", " ".join(text.split()))
    if not text or text.startswith("_"):  # the calendar's mark of a festival
        return []
    protected = {f"\x00{i}\x00": name for i, name in enumerate(sorted(
        {k for k in known if k}, key=len, reverse=True))}
    for token, name in protected.items():
        text = re.sub(re.escape(name), token, text, flags=re.IGNORECASE)
    acts: list[str] = []
    for chunk in _HARD.split(text):
        for part in _SUPPORT.split(chunk):
            names = _SOFT.split(part) if "," in part else [part]
            acts.extend(_trim(n) for n in names)
    for token, name in protected.items():
        acts = [name if act == token else act.replace(token, name) for act in acts]
    return unique_names(a for a in acts
                        if a and not _NOT_AN_ACT.search(a) and not _PLACEHOLDER.match(a))


def _trim(name: str) -> str:
    """A name without the separators and unbalanced brackets a split left at its ends."""
    name = name.strip(" -–,")
    while name and name[-1] in ")]" and name.count("(") + name.count("[") < \
            name.count(")") + name.count("]"):
        name = name[:-1].strip()
    while name and name[0] in "([" and not (name.endswith(")") or name.endswith("]")):
        name = name[1:].strip()
    return name


def with_band(lineup: list[str], band: str) -> list[str]:
    """The lineup with the crawled band in it: kept where it stands, put back together where
    a title split it ("Noah", "The Whale" -> "Noah & The Whale"), else billed first."""
    key = normalize_key(band)
    if any(normalize_key(name) == key for name in lineup):
        return lineup
    pieces = [normalize_key(p) for p in _SOFT.split(band) if p.strip()]
    keys = [normalize_key(name) for name in lineup]
    for start in range(len(lineup) - len(pieces) + 1):
        if len(pieces) > 1 and keys[start:start + len(pieces)] == pieces:
            return [*lineup[:start], band, *lineup[start + len(pieces):]]
    for index, name in enumerate(lineup):  # "A and B" of a title, where A is the band
        parts = [p for p in _SOFT.split(name) if p.strip()]
        if len(parts) > 1 and key in (normalize_key(parts[0]), normalize_key(parts[-1])):
            return [*lineup[:index], *split_acts(name.replace(" and ", ", ").replace(
                " & ", ", "), known=[band]), *lineup[index + 1:]]
    return [band, *lineup]
