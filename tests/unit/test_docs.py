"""The documents a newcomer starts from are inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readmes_first_paragraph_links_to_the_design_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_paragraph = readme.split("\n\n")[1]

    links = re.findall(r"\]\(([^)]+)\)", first_paragraph)

    assert links, first_paragraph
    design = (ROOT / links[0]).resolve()
    assert design.is_file() and design.is_relative_to(ROOT), links[0]
    assert design.read_text(encoding="utf-8").startswith("# bandcrawler — design")
