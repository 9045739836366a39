"""Specifications of `band import`'s input: names a line, or CSV with name, mbid, website."""

from __future__ import annotations

from bandcrawler.cli.band_import import Entry, read_entries


def test_one_name_a_line_without_blanks_comments_or_repeats():
    text = "# favourites\nEcho\n\n  Nirvana  \nEcho\nAC/DC, the band\n"

    assert read_entries(text) == [Entry("Echo"), Entry("Nirvana"), Entry("AC/DC, the band")]


def test_a_csv_with_a_header_gives_mbids_and_websites():
    text = ("name,mbid,website\n"
            "Echo,6c3e1b52-8f0a-4e43-9d5b-2b7f1a0c9e11,\n"
            '"Crosby, Stills & Nash",,https://csn.example/\n'
            "Plain,,\n")

    assert read_entries(text) == [
        Entry("Echo", "6c3e1b52-8f0a-4e43-9d5b-2b7f1a0c9e11"),
        Entry("Crosby, Stills & Nash", None, "https://csn.example/"),
        Entry("Plain")]


def test_an_empty_file_has_no_entries():
    assert read_entries("\n# nothing yet\n") == []
