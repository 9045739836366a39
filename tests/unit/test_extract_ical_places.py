"""Specifications of iCal places, lineups and repeats (issue 12): "Acts, City, Venue" titles,
RRULE series expanded with their exceptions and overrides."""

from __future__ import annotations

import datetime
from pathlib import Path

from bandcrawler.extract import Rejected
from bandcrawler.extract.ical import parse_events

FEED = (Path(__file__).parents[1] / "fixtures" / "ical" / "spanish_google_and_residency.ics")
TODAY = datetime.date(2030, 12, 1)


def items(today=TODAY, horizon_months=18):
    return [i for i in parse_events(FEED.read_bytes(), "https://cal.example/feed.ics",
                                    today=today, horizon_months=horizon_months)
            if not isinstance(i, Rejected)]


def by_uid(prefix):
    return [i for i in items() if i["source_id"].startswith(prefix)]


def test_acts_city_venue_titles_give_the_lineup_the_town_and_the_venue():
    [item] = by_uid("0a1b2c3d4e5f")
    assert item["lineup"] == ["Sacra", "Ataxia.F", "Groove Ghosts"]
    assert (item["venue_name"], item["venue_city"]) == ("Groove", "Portugalete")


def test_a_town_with_its_province_in_brackets_is_the_town_and_a_festival_has_no_lineup():
    [item] = by_uid("1b2c3d4e5f6a")
    assert (item["venue_name"], item["venue_city"]) == ("Recinto Ferial",
                                                        "La Rinconada (Sevilla)")
    assert item["lineup"] == []


def test_a_title_with_commas_but_no_town_invents_no_place():
    [item] = by_uid("2c3d4e5f6a7b")
    assert (item["venue_name"], item["venue_city"], item["lineup"]) == (None, None, [])


def test_every_occurrence_of_a_series_is_an_item_with_exdate_left_out_and_overrides_in_place():
    series = by_uid("residency-2031")
    assert [(i["local_date"], i["local_time"]) for i in series] == [
        ("2031-01-10", "20:00"), ("2031-01-17", "20:00"), ("2031-01-31", "21:30"),
        ("2031-02-07", "20:00"), ("2031-02-14", "20:00")]
    assert [i["source_id"] for i in series] == [
        "residency-2031@vega.example",  # the first keeps the id it always had
        "residency-2031@vega.example#20310117T200000",
        "residency-2031@vega.example#20310131T200000",  # the override's own id
        "residency-2031@vega.example#20310207T200000",
        "residency-2031@vega.example#20310214T200000"]
    assert series[2]["title"] == "Paper Gulls residency (late show)"
    assert all(i["venue_city"] == "København" for i in series)


def test_occurrences_beyond_the_horizon_are_left_out_but_the_first_and_overrides_are_kept():
    series = [i for i in items(today=datetime.date(2031, 1, 18), horizon_months=0)
              if i["source_id"].startswith("residency-2031")]
    # 01-17 is past, 02-07 and 02-14 lie beyond the horizon; the feed states 01-31 itself.
    assert [i["local_date"] for i in series] == ["2031-01-10", "2031-01-31"]


def test_ids_of_occurrences_are_stable_from_one_crawl_to_the_next():
    first = [i["source_id"] for i in items()]
    assert first == [i["source_id"] for i in items()]


def test_a_runaway_rule_stops_at_a_bound_and_says_so():
    feed = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:tick@x\r\n"
            "DTSTART:20310101T000000Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:Tick\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    out = list(parse_events(feed, "u", today=datetime.date(2031, 1, 1)))
    assert sum(1 for o in out if not isinstance(o, Rejected)) == 500
    assert [o.reason for o in out if isinstance(o, Rejected)] == ["too_many_occurrences"]


def test_an_endless_series_begun_longer_ago_than_the_horizon_is_one_standing_event():
    feed = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:sync@x\r\n"
            "DTSTART;TZID=Europe/Zurich:20161028T140000\r\n"
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\nSUMMARY:Weekly sync\r\n"
            "LOCATION:Roadstar 16\\n12764 Happyville\\nDenmark\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    out = [o for o in parse_events(feed, "u", today=datetime.date(2030, 12, 1))
           if not isinstance(o, Rejected)]
    assert [(o["source_id"], o["local_date"]) for o in out] == [("sync@x", "2016-10-28")]
    bounded = feed.replace("BYDAY=MO", "UNTIL=20310301T000000Z;BYDAY=MO")
    assert len([o for o in parse_events(bounded, "u", today=datetime.date(2030, 12, 1))
                if not isinstance(o, Rejected)]) > 50  # an ending series still expands
