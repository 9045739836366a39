"""`bandcrawler parse`: a source's parser on one file or URL, printed, nothing recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bandcrawler.cli.main import main
from tests.support.servers import handler_server, reply

FIXTURES = Path(__file__).parents[1] / "fixtures"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_the_items_and_rejections_of_a_feed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "parse", str(FIXTURES / "languages" / "tour.ics"), "--json")
    parsed = json.loads(out)
    assert code == 0 and parsed["rejected"] == []
    assert [(i["local_date"], i["venue_city"]) for i in parsed["items"]] == [
        ("2031-03-14", "Wien"), ("2031-03-14", "München"), ("2031-03-16", "Köln")]
    assert parsed["items"][0]["lineup"] == ["The Lantern Choir", "Paper Gulls"]
    assert not list(tmp_path.iterdir())  # no database, nothing recorded


def test_the_kind_is_guessed_and_rejections_are_shown_with_their_reason(capsys):
    code, out, _ = run(capsys, "parse", str(FIXTURES / "bandsintown" / "error_object.json"))
    assert code == 1  # nothing found
    assert "rejected (bad_answer)" in out


def test_a_url_is_fetched_once_with_the_crawler_user_agent(capsys):
    seen = []
    body = (FIXTURES / "languages" / "tour.html").read_bytes()

    def serve(handler):
        seen.append(handler.headers["User-Agent"])
        reply(handler, body, "text/html")

    with handler_server(serve) as url:
        code, out, _ = run(capsys, "-s", "USER_AGENT=bandcrawler-test/1.0", "parse",
                           f"{url}/tour")
    assert code == 0 and seen == ["bandcrawler-test/1.0"]
    assert "Arena Wien, Vienna, AT" in out


@pytest.mark.parametrize("source", ["/no/such/file.ics", "http://127.0.0.1:9/feed.ics"])
def test_an_unreadable_source_is_one_line_and_exit_code_1(capsys, source):
    code, out, err = run(capsys, "parse", source)
    assert code == 1 and out == ""
    assert err.startswith("bandcrawler: error: ") and err.count("\n") == 1


def test_hostile_text_is_printed_without_control_characters(capsys, tmp_path):
    feed = tmp_path / "hostile.ics"
    feed.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:x@x\r\n"
                    "DTSTART:20310101T200000Z\r\nSUMMARY:Band \x1b[31mred\u202e\r\n"
                    "END:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    code, out, _ = run(capsys, "parse", str(feed))
    assert code == 0 and "\x1b" not in out and "\u202e" not in out
