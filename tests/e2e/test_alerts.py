"""End to end: crawl, watch, change the site, re-crawl: exactly the alerts, calendar, feed
and history a person should get, by real SMTP and webhook servers."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from bandcrawler.search.client import make_client
from bandcrawler.search.index import ConcertIndex
from tests.support.alerts import SmtpSink, WebhookSink
from tests.support.commands import Deployment
from tests.support.servers import handler_server

DAY = date.today() + timedelta(days=30)


def show(name: str, city: str, day: int, time_: str = "20:00", status: str | None = None,
         country: str = "FR"):
    event = {"@type": "MusicEvent", "@id": f"https://band.example/shows/{name}",
             "name": f"Show {name}", "startDate": f"{DAY + timedelta(days=day)}T{time_}",
             "location": {"@type": "Place", "name": f"Hall {name}",
                          "address": {"@type": "PostalAddress", "addressLocality": city,
                                      "addressCountry": country}}}
    if status:
        event["eventStatus"] = f"https://schema.org/Event{status}"
    return event


def page(events: list[dict]) -> bytes:
    return (f'<html><head><script type="application/ld+json">{json.dumps(events)}</script>'
            "</head><body></body></html>").encode()


class Site:
    def __init__(self):
        self.body = b""

    def __call__(self, request):
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.end_headers()
        request.wfile.write(self.body)


@pytest.fixture
def deployment(tmp_path, es_url):
    alias = f"concerts-e2e-{uuid.uuid4().hex[:8]}"
    yield Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
    ConcertIndex(make_client(es_url), alias).drop()


def test_a_recrawl_tells_each_watch_its_four_changes_and_nothing_far_away(deployment,
                                                                         tmp_path):
    site = Site()
    site.body = page([show("A", "Paris", 0), show("B", "Paris", 1),
                      show("C", "Saint-Denis", 2)])
    with handler_server(site) as url, SmtpSink(tmp_path) as smtp, WebhookSink() as hook:
        deployment.env.update(BANDCRAWLER_SMTP_URL=smtp.url,
                              BANDCRAWLER_SMTP_CA_CERTS=smtp.ca_path,
                              BANDCRAWLER_MAIL_FROM="alerts@bandcrawler.example")
        deployment.bandcrawler("band", "add", "The Band", "--website", f"{url}/tour")
        deployment.crawl("jsonld")
        deployment.bandcrawler("watch", "add", "paris", "--near", "Paris", "--radius",
                               "100km", "--email", "fan@example.org", "--webhook", hook.url)
        assert smtp.messages == [] and hook.received == []
        site.body = page([show("A", "Paris", 0, "21:30"),
                          show("B", "Paris", 1, status="Cancelled"),
                          show("D", "Montreuil", 3), show("E", "Berlin", 4, country="DE")])
        deployment.crawl("jsonld")
        calendar = deployment.bandcrawler("calendar", "paris").stdout.encode()
        changes = deployment.bandcrawler_json("changes", "--watch", "paris")
        deployment.crawl("jsonld")  # nothing changed: nothing sent
    [message], [hook_payload] = smtp.messages, hook.payloads()
    summary = sorted((c["concert"]["title"], c["kind"]) for c in hook_payload["changes"])
    assert summary == [("Show A", "details"), ("Show B", "cancelled"),
                       ("Show C", "unlisted"), ("Show D", "announced")]
    assert message["Message-ID"] == (f"<{hook_payload['message_id']}@bandcrawler.example>")
    body = message.get_content()
    assert "4 change(s)" in body and "time changed from 20:00 to 21:30" in body
    assert "Berlin" not in body
    by_uid = {str(e["SUMMARY"]): e for e in Calendar.from_ical(calendar).walk("VEVENT")}
    assert int(by_uid["The Band at Hall A"]["SEQUENCE"]) == 1
    assert str(by_uid["CANCELLED: The Band at Hall B"]["STATUS"]) == "CANCELLED"
    assert not any("Hall E" in s for s in by_uid)
    assert sorted((c["concert"]["title"], c["kind"]) for c in changes) == summary
    [cancelled] = [c for c in hook_payload["changes"] if c["kind"] == "cancelled"]
    history = deployment.bandcrawler_json("history", cancelled["concert_id"])
    assert [e["type"] for e in history["events"]][-1] == "ConcertCancelled"
    last_event = max(datetime.fromisoformat(s["at"].replace("Z", "+00:00"))
                     for c in hook_payload["changes"] for s in c["sources"])
    print(f"\nalerts: 1 e-mail + 1 webhook, 4 changes each; the e-mail arrived "
          f"{smtp.received_at[0] - last_event.astimezone(UTC).timestamp():.2f}s after the "
          "crawl recorded its last change")


def test_the_demo_shows_the_alert_it_sent_and_the_calendar(tmp_path, es_url):
    import os
    import subprocess
    import sys

    from tests.support.commands import ROOT

    alias = f"concerts-demo-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ELASTICSEARCH_URL": es_url, "BANDCRAWLER_INDEX": alias}
    done = subprocess.run([sys.executable, "-m", "bandcrawler", "demo", "--dir",
                           str(tmp_path / "demo")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    ConcertIndex(make_client(es_url), alias).drop()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Alerts: 1 e-mail(s) sent" in done.stdout
    # 90 minutes later (which hours depends on the season: the page gives a +02:00 offset)
    assert re.search(r"time changed from (\d\d):\d\d to (\d\d):\d\d", done.stdout)
    assert len(list((tmp_path / "demo" / "mail").glob("*.eml"))) == 1
    ics = Calendar.from_ical((tmp_path / "demo" / "near-paris.ics").read_bytes())
    assert any(int(e["SEQUENCE"]) == 1 for e in ics.walk("VEVENT"))
