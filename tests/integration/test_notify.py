"""The notification follower on a real SQLite store, delivering to real local servers:
an aiosmtpd SMTP server (STARTTLS, AUTH), an HTTP webhook receiver, apprise's json://."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bandcrawler.config import Config
from bandcrawler.notify.channels import SIGNATURE_HEADER, ChannelSettings
from bandcrawler.notify.delivery import deliver_due, pending_deliveries, sent_payloads
from bandcrawler.notify.follower import NotificationFollower
from bandcrawler.services.notifications import notify
from bandcrawler.services.projections import catch_up
from bandcrawler.services.watches import create_watch
from bandcrawler.store.engine import make_engine
from bandcrawler.store.event_store import EventStore
from bandcrawler.store.tables import deliveries
from tests.support.alerts import SmtpSink, WebhookSink, record

PARIS = {"lat": 48.8566, "lon": 2.3522, "radius_km": 100}


@pytest.fixture
def database_url(either_database_url):
    return either_database_url


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    yield EventStore(engine)
    engine.dispose()


def config(database_url, **fields) -> Config:
    return Config(database_url=database_url, elasticsearch_url="http://127.0.0.1:9",
                  notify_timeout=fields.pop("notify_timeout", 5.0), **fields)


def kinds(payload) -> list[tuple[str, str]]:
    return sorted((c["concert"]["venue"]["city"], c["kind"]) for c in payload["changes"])


def test_a_watch_hears_only_of_changes_after_it_was_made_and_near_it(store, database_url):
    record(store)  # known before the watch: no flood of "announced"
    with WebhookSink() as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        record(store, local_time="21:30")
        record(store, source_id="v", venue_city="Versailles", venue_name="Chapelle",
               local_date="2030-04-01")
        record(store, source_id="b", venue_city="Berlin", venue_name="SO36",
               local_date="2030-04-02")
        notify(store, config(database_url))
        [payload] = hook.payloads()
    assert kinds(payload) == [("Paris", "details"), ("Versailles", "announced")]
    [time_change] = [c for c in payload["changes"] if c["kind"] == "details"]
    assert time_change["before"] == {"local_time": "20:00"}
    assert time_change["after"] == {"local_time": "21:30"}
    assert "time changed from 20:00 to 21:30" in time_change["summary"]
    assert hook.received[0]["headers"]["Idempotency-Key"] == payload["message_id"]


def test_a_recrawl_that_changes_nothing_sends_nothing(store, database_url):
    with WebhookSink() as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        record(store)
        notify(store, config(database_url))
        record(store)
        record(store)
        notify(store, config(database_url))
        assert len(hook.payloads()) == 1


def test_a_concert_that_flaps_within_one_run_gives_one_message_with_its_final_state(
        store, database_url):
    record(store)
    with WebhookSink() as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        record(store, local_time="21:30")
        record(store, local_time="22:00")
        record(store, status="cancelled", local_time="22:00")
        notify(store, config(database_url))
        [payload] = hook.payloads()
    assert sorted(c["kind"] for c in payload["changes"]) == ["cancelled", "details"]
    [details] = [c for c in payload["changes"] if c["kind"] == "details"]
    assert (details["before"], details["after"]) == ({"local_time": "20:00"},
                                                     {"local_time": "22:00"})


def test_webhook_bodies_are_signed_when_a_secret_is_set(store, database_url):
    with WebhookSink() as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        record(store)
        notify(store, config(database_url, webhook_secret="hook-secret"))
        [received] = hook.received
    expected = hmac.new(b"hook-secret", received["body"], hashlib.sha256).hexdigest()
    assert received["headers"][SIGNATURE_HEADER] == f"sha256={expected}"


def test_email_goes_through_starttls_and_auth_with_a_stable_message_id(store, database_url,
                                                                      tmp_path):
    with SmtpSink(tmp_path) as smtp:
        create_watch(store, "paris", {**PARIS, "emails": ["fan@example.org"]})
        record(store)
        record(store, source_id="v", venue_city="Versailles", venue_name="Chapelle")
        outcome = notify(store, config(database_url, smtp_url=smtp.url,
                                       smtp_ca_certs=smtp.ca_path,
                                       mail_from="alerts@bandcrawler.example"))
        [message] = smtp.messages
    assert len(outcome.report.sent) == 1 and smtp.logins == ["alerts"]
    assert message["To"] == "fan@example.org"
    assert message["From"] == "alerts@bandcrawler.example"
    [payload] = sent_payloads(store.engine)
    assert message["Message-ID"] == f"<{payload['message_id']}@bandcrawler.example>"
    body = message.get_content()
    assert "2 change(s)" in body and "La Cigale" in body and "Chapelle" in body


def test_apprise_delivers_to_a_json_endpoint(store, database_url):
    with WebhookSink() as hook:
        target = hook.url.replace("http://", "json://")
        create_watch(store, "paris", {**PARIS, "notify": [target]})
        record(store)
        outcome = notify(store, config(database_url))
        [received] = hook.payloads()
    assert outcome.report.sent
    assert "The Velvet Lanterns" in received["title"]
    assert "announced" in received["message"]


def test_smtp_down_leaves_the_message_pending_then_delivers_it_once(store, database_url,
                                                                   tmp_path):
    smtp = SmtpSink(tmp_path)  # not started yet: nothing listens on its port
    create_watch(store, "paris", {**PARIS, "emails": ["fan@example.org"]})
    record(store)
    down = config(database_url, smtp_url=smtp.url, smtp_ca_certs=smtp.ca_path,
                  notify_retry_seconds=0.0)
    outcome = notify(store, down)
    assert outcome.report.failed and not outcome.report.sent
    [pending] = pending_deliveries(store.engine)
    assert pending["attempts"] == 1 and "Connection refused" in pending["last_error"]
    assert "s3cret-pw" not in str(pending)
    with smtp:
        notify(store, down)
        notify(store, down)
        assert len(smtp.messages) == 1
    assert pending_deliveries(store.engine) == []


def test_failures_back_off_and_retry_only_when_due(store, database_url):
    with WebhookSink(status=500) as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        record(store)
        catch_up(NotificationFollower(store.engine), store)
        settings = ChannelSettings(timeout=5)
        start = datetime.now(UTC)
        assert deliver_due(store.engine, settings, retry_seconds=60, now=start).failed
        assert deliver_due(store.engine, settings, retry_seconds=60,
                           now=start + timedelta(seconds=30)).failed == {}
        assert deliver_due(store.engine, settings, retry_seconds=60,
                           now=start + timedelta(seconds=61)).failed
        [pending] = pending_deliveries(store.engine)
    assert pending["attempts"] == 2 and pending["last_error"] == "webhook answered HTTP 500"
    assert len(hook.received) == 2


@pytest.mark.parametrize("hostile", [{"delay": 30.0}, {"status": 500},
                                     {"answer_bytes": 200 * 1024 * 1024}])
def test_a_hostile_webhook_never_stalls_the_follower(store, database_url, hostile):
    with WebhookSink(**hostile) as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        record(store)
        began = time.monotonic()
        outcome = notify(store, config(database_url, notify_timeout=1.0))
        took = time.monotonic() - began
    assert took < 10, took  # the timeout (1 s) bounds it, far from the 30 s or 200 MB
    assert outcome.position == store.last_position()
    if "answer_bytes" in hostile:
        assert outcome.report.sent  # a huge answer is read no further than needed
    else:
        assert outcome.report.failed


def test_replaying_a_batch_writes_no_second_message(store, database_url):
    create_watch(store, "paris", {**PARIS, "webhooks": ["http://127.0.0.1:9/x"]})
    record(store)
    follower = NotificationFollower(store.engine)
    batch = list(store.read_all(0))
    follower.apply(batch)
    follower.apply(batch)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(deliveries)).scalar() == 1


def test_two_senders_at_once_send_each_message_once(store, database_url):
    from concurrent.futures import ThreadPoolExecutor

    with WebhookSink(delay=0.2) as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]})
        for n in range(5):
            record(store, source_id=f"s{n}", local_date=f"2030-04-0{n + 1}")
            catch_up(NotificationFollower(store.engine), store)
        settings = ChannelSettings(timeout=5)
        with ThreadPoolExecutor(3) as pool:
            reports = list(pool.map(lambda _: deliver_due(store.engine, settings), range(3)))
        keys = [r["headers"]["Idempotency-Key"] for r in hook.received]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 5
    assert sum(len(r.sent) for r in reports) == 5


def test_a_backfill_watch_hears_of_what_is_known_already(store, database_url):
    record(store)
    record(store, source_id="b", venue_city="Berlin", venue_name="SO36")
    with WebhookSink() as hook:
        create_watch(store, "paris", {**PARIS, "webhooks": [hook.url]}, backfill=True)
        notify(store, config(database_url))
        [payload] = hook.payloads()
    assert kinds(payload) == [("Paris", "announced")]
