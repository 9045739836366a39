"""`bandcrawler --help` gives every command's purpose, and the README says the same."""

from __future__ import annotations

import argparse

from bandcrawler.cli.parser import build_parser
from tests.support.commands import ROOT


def commands() -> dict[str, str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: choice.help or "" for choice in sub._choices_actions}


def test_every_command_says_its_purpose_in_the_help():
    purposes = commands()
    assert purposes and all(purposes.values()), purposes
    text = build_parser().format_help()
    assert all(purpose.split()[0] in text for purpose in purposes.values())


def test_the_readme_lists_every_command_with_the_purpose_the_help_gives():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in readme.splitlines() if line.startswith("| `bandcrawler ")}
    for name, purpose in commands().items():
        assert rows.get(f"`bandcrawler {name}`", "").startswith(purpose.split(" (")[0]), name
