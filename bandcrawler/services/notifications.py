"""Use case: bring the notification follower up to the log's head and send what is due."""

from __future__ import annotations

from dataclasses import dataclass

from bandcrawler.config import Config
from bandcrawler.notify.channels import ChannelSettings
from bandcrawler.notify.delivery import DeliveryReport, deliver_due
from bandcrawler.notify.follower import NotificationFollower
from bandcrawler.services.projections import catch_up
from bandcrawler.store.event_store import EventStore


@dataclass
class NotifyOutcome:
    position: int
    report: DeliveryReport


def channel_settings(config: Config) -> ChannelSettings:
    return ChannelSettings(smtp_url=config.smtp_url, mail_from=config.mail_from,
                           smtp_ca_certs=config.smtp_ca_certs,
                           webhook_secret=config.webhook_secret,
                           timeout=config.notify_timeout)


def notify(store: EventStore, config: Config) -> NotifyOutcome:
    """Turn the log's new changes into messages, then send every message that is due
    (new ones, and earlier ones whose retry time has come). What `bandcrawler notify`,
    `follow` and the end of a crawl run."""
    position = catch_up(NotificationFollower(store.engine), store)
    report = deliver_due(store.engine, channel_settings(config),
                         retry_seconds=config.notify_retry_seconds)
    return NotifyOutcome(position, report)
