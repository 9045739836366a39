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
        deployment.bandcrawler("notify")  # the webhook; the e-mail is still claimed
        assert (len(smtp.messages), len(hook.received)) == (1, 1)
        time.sleep(3.1)  # the dead process's claim on the e-mail lapses (3 timeouts)
        deployment.bandcrawler("notify")
        deployment.bandcrawler("notify")
        status = deployment.bandcrawler("notify", "--status").stdout
    engine.dispose()
    assert len(smtp.messages) == 2  # the one repeat: sent, then killed before recording
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]
    assert len(hook.received) == 1
    key = hook.received[0]["headers"]["Idempotency-Key"]
    assert smtp.messages[0]["Message-ID"] == f"<{key}@localhost>"
    assert "No pending deliveries." in status
    assert "s3cret-pw" not in status + killed.stdout + killed.stderr
