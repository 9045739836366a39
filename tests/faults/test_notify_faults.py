"""Alerts under faults: SIGKILL between sending and recording a message, in a real process."""

from __future__ import annotations

import time

from bandcrawler.services.watches import create_watch
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from tests.support.alerts import SmtpSink, WebhookSink, record
from tests.support.commands import Deployment


def test_a_kill_between_send_and_record_repeats_at_most_once_with_the_same_ids(
        database_url, tmp_path):
    engine = make_engine(database_url)
    store = EventStore(engine)
    with SmtpSink(tmp_path) as smtp, WebhookSink() as hook:
        create_watch(store, "paris", {"lat": 48.85, "lon": 2.35, "radius_km": 100,
                                      "emails": ["fan@example.org"], "webhooks": [hook.url]})
        record(store)
        record(store, source_id="v", venue_city="Versailles", venue_name="Chapelle")
        deployment = Deployment(database_url, "http://127.0.0.1:9", "unused")
        deployment.env.update(BANDCRAWLER_SMTP_URL=smtp.url,
                              BANDCRAWLER_SMTP_CA_CERTS=smtp.ca_path,
                              BANDCRAWLER_NOTIFY_TIMEOUT="1")
        # The e-mail goes first (deliveries by id): killed once it is sent, not recorded.
        deployment.env["BANDCRAWLER_KILL_AT"] = "notify_sent:1"
        killed = deployment.bandcrawler("notify", check=False)
        assert killed.returncode == -9, killed.stderr[-2000:]
        assert (len(smtp.messages), len(hook.received)) == (1, 0)
        del deployment.env["BANDCRAWLER_KILL_AT"]
        # The dead process's claim on the e-mail lapses after three timeouts (3 s): until
        # then only the webhook goes; then the e-mail, once more.
        deadline = time.monotonic() + 60
        while len(smtp.messages) < 2 and time.monotonic() < deadline:
            deployment.bandcrawler("notify")
            time.sleep(0.5)
        deployment.bandcrawler("notify")  # nothing is left to send
        status = deployment.bandcrawler("notify", "--status").stdout
    engine.dispose()
    assert len(smtp.messages) == 2  # the one repeat: sent, then killed before recording
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]
    assert len(hook.received) == 1
    key = hook.received[0]["headers"]["Idempotency-Key"]
    assert smtp.messages[0]["Message-ID"] == f"<{key}@localhost>"
    assert "No pending deliveries." in status
    assert "s3cret-pw" not in status + killed.stdout + killed.stderr


def test_smtp_down_and_a_slow_webhook_during_a_crawl_lose_nothing_and_hold_nothing_up(
        tmp_path, es_url):
    import uuid

    from bandcrawler.search.client import make_client
    from bandcrawler.search.index import ConcertIndex
    from tests.e2e.test_alerts import Site, page, show
    from tests.support.servers import handler_server

    site = Site()
    site.body = page([show("A", "Paris", 0)])
    alias = f"concerts-faults-{uuid.uuid4().hex[:8]}"
    deployment = Deployment(f"sqlite:///{tmp_path / 'bandcrawler.db'}", es_url, alias)
    smtp = SmtpSink(tmp_path)  # not listening yet
    with handler_server(site) as url, WebhookSink(delay=30) as slow_hook:
        deployment.env.update(BANDCRAWLER_SMTP_URL=smtp.url,
                              BANDCRAWLER_SMTP_CA_CERTS=smtp.ca_path,
                              BANDCRAWLER_NOTIFY_TIMEOUT="2",
                              BANDCRAWLER_NOTIFY_RETRY_SECONDS="0")
        deployment.bandcrawler("band", "add", "The Band", "--website", f"{url}/tour")
        deployment.bandcrawler("watch", "add", "paris", "--near", "Paris", "--email",
                               "fan@example.org", "--webhook", slow_hook.url)
        began = time.monotonic()
        deployment.crawl("jsonld")
        took = time.monotonic() - began
        pending = deployment.bandcrawler_json("notify", "--status")
        with smtp:
            deployment.bandcrawler("notify")
            deployment.bandcrawler("notify")
    ConcertIndex(make_client(es_url), alias).drop()
    assert took < 25, took  # not the webhook's 30 s: its attempt is cut at 2 s
    assert sorted(p["channel"] for p in pending) == ["email", "webhook"]
    assert all(p["last_error"] for p in pending)
    assert len(smtp.messages) == 1
    assert "announced" in smtp.messages[0].get_content()
