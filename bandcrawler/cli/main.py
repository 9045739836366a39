"""`bandcrawler`: parse the arguments, run the subcommand, turn failures into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from bandcrawler.cli.parser import build_parser, check_search, normalize_argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(normalize_argv(sys.argv[1:] if argv is None else argv))
    if args.command == "search" and (args.lat is None) != (args.lon is None):
        parser.error("--lat and --lon go together")
    if args.command == "search" and args.near and args.lat is not None:
        parser.error("use --near or --lat/--lon, not both")
    if args.command == "search":
        check_search(parser, args)
    return _run(args)


def _run(args) -> int:
    # Imported only once the arguments are good: `--help` and a bad argument need neither
    # SQLAlchemy nor Elasticsearch nor Scrapy (benchmarks/cli_startup.py measures it).
    from bandcrawler.cli import handlers
    from bandcrawler.config import ConfigError
    from bandcrawler.store.errors import StoreError

    try:
        return handlers.run(args)
    except (handlers.UserError, ConfigError) as exc:
        print(f"bandcrawler: error: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:  # e.g. a bad or unreachable BANDCRAWLER_DATABASE_URL
        print(f"bandcrawler: error: database: {exc}", file=sys.stderr)  # one line, no secret
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `bandcrawler search --json | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
