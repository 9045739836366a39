"""Pure parsers per source format: bytes or JSON in, concert items (or a Rejected reason) out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejected:
    """Input a parser dropped; `reason` is counted in stats as `bandcrawler/dropped/<reason>`."""

    reason: str
    detail: str
