"""The `bandcrawler` command line: subcommands, their arguments and how each is checked."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlsplit

# Options whose value may start with "-" ("--radius -5km"): argparse would take the value for
# an option and say "expected one argument"; glued to its option, the value reaches its check.
_VALUE_MAY_START_WITH_DASH = ("--radius",)


class _Parser(argparse.ArgumentParser):
    """Bad arguments get one line and exit code 2, not a usage dump."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _radius(text: str) -> float:
    from bandcrawler.search.queries import parse_radius

    try:
        return parse_radius(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _country(text: str) -> str:
    from bandcrawler.extract.countries import country_code

    code = country_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"not a country name or ISO code: {text!r}")
    return code


def _http_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r}")
    return text.strip()


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.01 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"not a number of seconds in 0.01..3600: {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"not a TCP port (1..65535): {text!r}")
    return int(text)


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bandcrawler", description="Find where bands play.",
                     epilog="The crawls are `scrapy crawl SPIDER` (scrapy list: the spiders), "
                            "run from the repository root.")
    parser.add_argument("-s", "--set", dest="settings", action="append", type=_setting,
                        default=[], metavar="NAME=VALUE", help="override a Scrapy setting")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                     title="commands", metavar="COMMAND")

    demo = commands.add_parser("demo", help="crawl the bundled demo sites end to end")
    demo.add_argument("--dir", default="bandcrawler-demo",
                      help="where the demo keeps its database and Elasticsearch data")
    demo.add_argument("--serve", action="store_true",
                      help="then keep the web page over the demo data up (see serve)")
    _serve_options(demo)

    band = commands.add_parser("band", help="register, discover, import, list and remove bands")
    _band_commands(band.add_subparsers(dest="band_command", required=True,
                                       parser_class=_Parser))

    search = commands.add_parser("search", help="query the concerts index")
    search.add_argument("--near", metavar="PLACE", help="a place name, geocoded")
    search.add_argument("--lat", type=float)
    search.add_argument("--lon", type=float)
    search.add_argument("--radius", type=_radius, default=100.0, metavar="DISTANCE",
                        help="e.g. 50km, 30mi (default 100km)")
    search.add_argument("--from", dest="date_from", type=_date, default=date.today(),
                        metavar="YYYY-MM-DD", help="default: today")
    search.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    search.add_argument("--band")
    search.add_argument("--country", type=_country,
                        help="a country name or ISO code: France, FR, FRA")
    search.add_argument("--status", choices=("scheduled", "cancelled", "postponed",
                                             "rescheduled", "moved_online"))
    search.add_argument("--text", help="full-text over band, title, venue, city, lineup")
    search.add_argument("--limit", type=int, default=20)
    listed = search.add_mutually_exclusive_group()
    listed.add_argument("--listed", dest="listed", action="store_const", const=True,
                        default=True, help="only concerts a source still lists (default)")
    listed.add_argument("--unlisted", dest="listed", action="store_const", const=False,
                        help="only concerts every source stopped listing")
    listed.add_argument("--all", dest="listed", action="store_const", const=None,
                        help="listed and unlisted concerts")
    search.add_argument("--json", action="store_true")

    saga = commands.add_parser("saga", help="see and finish pending pipeline steps")
    saga_commands = saga.add_subparsers(dest="saga_command", required=True,
                                        parser_class=_Parser)
    status = saga_commands.add_parser("status", help="complete and pending concerts")
    status.add_argument("--json", action="store_true")
    resume = saga_commands.add_parser("resume", help="run the pending steps again")
    resume.add_argument("--due", action="store_true",
                        help="only those whose retry time has come (for cron)")

    _serve_options(commands.add_parser(
        "serve", help="the web page: a map and list of concerts, concert pages, a JSON API"))

    parse = commands.add_parser(
        "parse", help="show the concerts a source's parser finds in one page, feed or answer")
    parse.add_argument("source", metavar="FILE_OR_URL")
    parse.add_argument("--kind", choices=("jsonld", "ical", "bandsintown", "musicbrainz"),
                       help="the source's format (default: guessed from the content)")
    parse.add_argument("--json", action="store_true",
                       help='one object {"items": [...], "rejected": [...]}')

    duplicates = commands.add_parser(
        "duplicates", help="list concerts recorded twice (same band, night and town)")
    duplicates.add_argument("--json", action="store_true")

    commands.add_parser("reindex", help="rebuild the index from the event store, swap alias")

    follow = commands.add_parser(
        "follow", help="keep the write model and the index caught up with the event store")
    follow.add_argument("--poll", type=_seconds, default=1.0, metavar="SECONDS",
                        help="how often to look for new events (default: 1)")
    follow.add_argument("--once", action="store_true",
                        help="catch up once and exit (for cron or a test)")

    schedule = commands.add_parser(
        "schedule", help="enqueue on scrapyd the spiders that have work (for cron/systemd)")
    schedule.add_argument("--scrapyd", required=True, metavar="URL", type=_http_url,
                          help="e.g. http://127.0.0.1:6800 (basic auth from SCRAPYD_USERNAME"
                               " and SCRAPYD_PASSWORD)")
    schedule.add_argument("--project", default="bandcrawler",
                          help="the scrapyd project (default: bandcrawler)")
    schedule.add_argument("--spider", action="append", default=[], metavar="NAME",
                          help="only this spider (repeatable; default: every spider with work)")
    schedule.add_argument("--per-band", action="store_true",
                          help="one job per band and spider, so scrapyd runs them in parallel")
    add_alert_commands(commands)
    return parser


def _add_sources(command: argparse.ArgumentParser, verb: str) -> None:
    command.add_argument("--website", action="append", default=[], metavar="URL",
                         type=_http_url, help=f"{verb} a page with schema.org events (repeatable)")
    command.add_argument("--ical", action="append", default=[], metavar="URL", type=_http_url,
                         help=f"{verb} an iCalendar feed (repeatable)")
    command.add_argument("--bandsintown", action="append", default=[], metavar="ARTIST",
                         help=f"{verb} the artist name on Bandsintown")
    command.add_argument("--musicbrainz", action="append", default=[], metavar="MBID",
                         help=f"{verb} the MusicBrainz artist id")


def _band_commands(band: argparse._SubParsersAction) -> None:
    add = band.add_parser("add", help="register a band: by name alone (looked up in "
                                      "MusicBrainz), or with its sources")
    add.add_argument("name")
    _add_sources(add, "read")
    add.add_argument("--discover", action="store_true",
                     help="read the --website pages and register the sources they name")
    add.add_argument("--no-discover", action="store_true",
                     help="never look anything up; a band needs a source flag then")
    add.add_argument("--mbid", help="the MusicBrainz artist, when the name is ambiguous")
    discover = band.add_parser("discover", help="show the sources MusicBrainz and the band's "
                                                "site name; register them with --yes")
    discover.add_argument("name")
    discover.add_argument("--mbid", help="the MusicBrainz artist, when the name is ambiguous")
    discover.add_argument("--website", metavar="URL", type=_http_url,
                          help="read this homepage instead of MusicBrainz's")
    discover.add_argument("--yes", action="store_true", help="register what is found")
    imp = band.add_parser("import", help="register many bands: a file of names (or CSV with "
                                         "name, mbid, website) or a ListenBrainz user")
    imp.add_argument("file", nargs="?", help="one name per line, or CSV; - for stdin")
    imp.add_argument("--listenbrainz", metavar="USER", help="a ListenBrainz user's top artists")
    imp.add_argument("--top", type=int, default=50, help="how many top artists (default 50)")
    imp.add_argument("--dry-run", action="store_true", help="show, register nothing")
    band_list = band.add_parser("list", help="bands, their sources and how each last crawled")
    band_list.add_argument("--json", action="store_true")
    band_list.add_argument("--status", action="store_true",
                           help="with --json: each source's origin and last crawl")
    remove = band.add_parser("remove", help="stop crawling a band, or one of its sources")
    remove.add_argument("name")
    _add_sources(remove, "remove")


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """`--radius -5km` as `--radius=-5km`, so a negative value is refused for what it is."""
    out: list[str] = []
    for arg in argv:
        if (out and out[-1] in _VALUE_MAY_START_WITH_DASH and arg.startswith("-")
                and not arg.startswith("--")):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument("--port", type=_port, default=8080, help="default: 8080")


def _days(text: str) -> int:
    number = text.strip().lower().removesuffix("d")
    if not number.isdigit():
        raise argparse.ArgumentTypeError(f"not a number of days (e.g. 90d): {text!r}")
    return int(number)


def _kinds(text: str) -> list[str]:
    from bandcrawler.domain.watch import CHANGE_KINDS

    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in CHANGE_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"unknown change kind(s) {unknown}; expected some "
                                         f"of {','.join(CHANGE_KINDS)}")
    return kinds


def add_alert_commands(commands) -> None:
    """watch, notify, calendar, changes, history (handlers: cli/alerts.py)."""
    watch = commands.add_parser("watch", help="what to be told about, and where")
    watch_commands = watch.add_subparsers(dest="watch_command", required=True,
                                          parser_class=_Parser)
    add = watch_commands.add_parser("add", help="create a watch")
    add.add_argument("name")
    add.add_argument("--band", action="append", default=[], dest="bands", metavar="NAME")
    add.add_argument("--near", metavar="PLACE", help="a place name, geocoded")
    add.add_argument("--lat", type=float)
    add.add_argument("--lon", type=float)
    add.add_argument("--radius", type=_radius, default=50.0, metavar="DISTANCE",
                     help="e.g. 50km, 30mi (default 50km)")
    add.add_argument("--country", type=_country,
                     help="a country name or ISO code: France, FR, FRA")
    add.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--within", type=_days, metavar="DAYS", help="e.g. 90d, from today")
    add.add_argument("--changes", type=_kinds, metavar="KINDS",
                     help="comma-separated (default: all)")
    add.add_argument("--email", action="append", default=[], metavar="ADDRESS")
    add.add_argument("--webhook", action="append", default=[], metavar="URL", type=_http_url)
    add.add_argument("--notify", action="append", default=[], metavar="URL",
                     help="any apprise URL (ntfy://, matrix://, slack://, …)")
    add.add_argument("--backfill", action="store_true",
                     help="tell of the concerts already known, too")
    watch_list = watch_commands.add_parser("list", help="list watches (secrets masked)")
    watch_list.add_argument("--json", action="store_true")
    for verb in ("show", "remove"):
        watch_commands.add_parser(verb, help=f"{verb} a watch").add_argument("name")
    notify = commands.add_parser("notify", help="send the alerts of new changes")
    notify.add_argument("--status", action="store_true", help="show pending deliveries")
    notify.add_argument("--json", action="store_true")
    cal = commands.add_parser("calendar", help="a watch's (or band's) concerts as iCalendar")
    cal.add_argument("watch", nargs="?")
    cal.add_argument("--band", help="a band's calendar instead of a watch's")
    changes = commands.add_parser("changes", help="changes people would call news")
    changes.add_argument("--watch")
    changes.add_argument("--band")
    changes.add_argument("--since", type=_date, metavar="YYYY-MM-DD")
    changes.add_argument("--limit", type=int, default=50)
    changes.add_argument("--atom", action="store_true", help="as an Atom feed")
    changes.add_argument("--json", action="store_true")
    history = commands.add_parser("history", help="a concert's events: who said what, when")
    history.add_argument("concert", metavar="CONCERT_ID_OR_URL")
    history.add_argument("--json", action="store_true")


def check_search(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    from bandcrawler.search.queries import MAX_LIMIT

    if args.near is not None and not args.near.strip():
        parser.error("--near needs a place name")
    if args.lat is not None and not -90 <= args.lat <= 90:
        parser.error(f"--lat must be within -90..90, not {args.lat}")
    if args.lon is not None and not -180 <= args.lon <= 180:
        parser.error(f"--lon must be within -180..180, not {args.lon}")
    if not 1 <= args.limit <= MAX_LIMIT:
        parser.error(f"--limit must be within 1..{MAX_LIMIT}")
    if args.date_to is not None and args.date_to < args.date_from:
        parser.error("--to is before --from (which defaults to today)")
