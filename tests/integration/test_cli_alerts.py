"""The alert subcommands as a user types them (in process, on a real SQLite file)."""

from __future__ import annotations

import json

import pytest

from bandcrawler.cli import main
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from tests.support.alerts import record

SECRET = "tok-3f9a-do-not-print"


@pytest.fixture
def cli(database_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["-s", f"BANDCRAWLER_DATABASE_URL={database_url}", *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_watch_list_masks_every_secret_in_channel_urls(cli):
    code, _, _ = cli("watch", "add", "paris", "--lat", "48.85", "--lon", "2.35",
                     "--webhook", f"https://hooks.example.org/{SECRET}?key={SECRET}",
                     "--notify", f"ntfy://{SECRET}", "--email", "me@example.org")
    assert code == 0
    for args in (("watch", "list"), ("watch", "list", "--json"), ("watch", "show", "paris")):
        code, out, err = cli(*args)
        assert code == 0 and SECRET not in out + err
    _, listed, _ = cli("watch", "list", "--json")
    [watch] = json.loads(listed)
    assert watch["webhooks"] == ["https://hooks.example.org/…"]
    assert watch["notify"] == ["ntfy://…"] and watch["emails"] == ["me@example.org"]


@pytest.mark.parametrize("args", [
    ("watch", "add"), ("watch", "add", "x", "--changes", "exploded"),
    ("watch", "add", "x", "--within", "soon"), ("watch", "add", "x", "--webhook", "ftp://a"),
    ("watch", "add", "x", "--radius", "far"), ("watch",), ("history",),
    ("changes", "--since", "yesterday")])
def test_bad_arguments_get_one_line_and_exit_2(cli, args):
    with pytest.raises(SystemExit) as exited:
        cli(*args)
    assert exited.value.code == 2


@pytest.mark.parametrize("args", [
    ("watch", "remove", "nope"), ("watch", "show", "nope"), ("calendar", "nope"),
    ("calendar",), ("history", "nope"), ("changes", "--watch", "nope"),
    ("watch", "add", "x", "--lat", "1")])
def test_what_does_not_exist_is_one_line_and_exit_1(cli, args):
    code, _, err = cli(*args)
    assert code == 1 and err.startswith("bandcrawler: error: ") and err.count("\n") == 1


def test_a_watch_name_is_taken_until_removed(cli):
    assert cli("watch", "add", "paris")[0] == 0
    code, _, err = cli("watch", "add", "Paris")
    assert code == 1 and "exists" in err
    assert cli("watch", "remove", "paris")[0] == 0
    assert cli("watch", "add", "paris")[0] == 0


def test_changes_history_and_calendar_print_what_the_log_says(cli, database_url):
    engine = make_engine(database_url)
    concert_id = record(EventStore(engine))
    record(EventStore(engine), status="cancelled")
    engine.dispose()
    _, out, _ = cli("changes")
    assert "cancelled — said by the band's website" in out
    _, out, _ = cli("history", "https://velvet.example/tour#paris")
    assert f"History of concert {concert_id}: 3 event(s)" in out
    assert "ConcertCancelled by jsonld" in out
    _, out, _ = cli("calendar", "--band", "The Velvet Lanterns")
    assert "STATUS:CANCELLED" in out and f"UID:{concert_id}" in out
    _, out, _ = cli("changes", "--atom")
    assert out.startswith("<?xml") and "cancelled" in out
    code, out, _ = cli("notify", "--status")
    assert code == 0 and "No pending deliveries." in out
