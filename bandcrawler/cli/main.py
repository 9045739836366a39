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
    from sqlalchemy.exc import SQLAlchemyError

    from bandcrawler.cli import handlers
    from bandcrawler.config import ConfigError

    try:
        return handlers.run(args)
    except (handlers.UserError, ConfigError) as exc:
        print(f"bandcrawler: error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # a bad or unreachable BANDCRAWLER_DATABASE_URL
        cause = getattr(exc, "orig", None) or exc
        first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        print(f"bandcrawler: error: database: {type(cause).__name__}: {first_line}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `bandcrawler search --json | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
