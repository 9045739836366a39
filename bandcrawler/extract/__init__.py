"""Pure parsers per source format: bytes or JSON in, concert items (or a Rejected reason) out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejected:
    """Input a parser dropped; `reason` is counted in stats as `bandcrawler/dropped/<reason>`.

    `whole_page` marks input whose loss may hide concerts (a broken JSON block, an answer
    that is not JSON): the source's listing is then incomplete, so nothing may be unlisted
    on the strength of this crawl. A single bad event (a date "TBA") hides only itself.
    """

    reason: str
    detail: str
    whole_page: bool = False
