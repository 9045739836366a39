"""The `bandcrawler` command: parser, handlers and output formatting."""

from bandcrawler.cli.main import main

__all__ = ["main"]
