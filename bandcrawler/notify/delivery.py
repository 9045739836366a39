"""Delivery tracking: send what is due, record it sent, or retry later with back-off."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from bandcrawler.faults import kill_point
from bandcrawler.notify.channels import ChannelError, ChannelSettings, mask_target, send
from bandcrawler.store.event_store import utc_now
from bandcrawler.store.tables import deliveries

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)
LEASE_TIMEOUTS = 3


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # delivery ids
    failed: dict[str, str] = field(default_factory=dict)  # delivery id -> reason


def deliver_due(engine: Engine, settings: ChannelSettings, *, retry_seconds: float = 60.0,
                now: datetime | None = None) -> DeliveryReport:
    """Send every pending delivery whose time has come, oldest first; each one sent is
    recorded at once. A target that failed is not tried again in this round (a server that
    is down costs one timeout, not one per message)."""
    moment = now or datetime.now(UTC)
    report, broken = DeliveryReport(), dict[tuple[str, str], str]()
    # Longer than one attempt may take (connect, TLS, the message: each within the timeout).
    lease = _iso(moment + timedelta(seconds=LEASE_TIMEOUTS * settings.timeout))
    for row in _due(engine, _iso(moment)):
        if not _claim(engine, row, lease):  # another process (follow, a crawl) sends it
            continue
        reason = broken.get((row.channel, row.target))
        if reason is None:
            try:
                send(row.channel, row.target, row.payload, settings)
            except ChannelError as exc:
                reason = broken[(row.channel, row.target)] = str(exc)
        if reason is None:
            kill_point("notify_sent")  # sent, not yet recorded: the one window of a repeat
            _record_sent(engine, row.delivery_id)
            report.sent.append(row.delivery_id)
            continue
        _record_failure(engine, row, reason, moment, retry_seconds)
        report.failed[row.delivery_id] = reason
        logger.warning("Could not deliver %s by %s to %s: %s", row.message_id, row.channel,
                       mask_target(row.channel, row.target), reason)
    return report


def pending_deliveries(engine: Engine) -> list[dict[str, Any]]:
    """What is still to send, with its last error and when it is tried again (targets
    masked: fit to print)."""
    query = (select(deliveries).where(deliveries.c.status == "pending")
             .order_by(deliveries.c.created_at, deliveries.c.delivery_id))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"message_id": r.message_id, "watch": r.payload.get("watch"),
             "channel": r.channel, "target": mask_target(r.channel, r.target),
             "changes": len(r.payload.get("changes") or ()), "attempts": r.attempts,
             "last_error": r.last_error, "next_attempt_at": r.next_attempt_at,
             "created_at": r.created_at} for r in rows]


def sent_payloads(engine: Engine, watch_id: str | None = None) -> list[dict[str, Any]]:
    """The messages sent (one per message id), oldest first."""
    query = select(deliveries.c.message_id, deliveries.c.payload).where(
        deliveries.c.status == "sent").order_by(deliveries.c.created_at,
                                                deliveries.c.message_id)
    if watch_id is not None:
        query = query.where(deliveries.c.watch_id == watch_id)
    with engine.connect() as conn:
        return list({m: p for m, p in conn.execute(query).all()}.values())


def _due(engine: Engine, now: str) -> list[Any]:
    query = (select(deliveries).where(deliveries.c.status == "pending",
                                      deliveries.c.next_attempt_at <= now)
             .order_by(deliveries.c.created_at, deliveries.c.delivery_id))
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def _claim(engine: Engine, row: Any, lease: str) -> bool:
    """Take the delivery for this process until `lease` (a process that dies holding it
    only delays it): a conditional update that only one of several senders wins."""
    with engine.begin() as conn:
        claimed = conn.execute(
            update(deliveries).where(deliveries.c.delivery_id == row.delivery_id,
                                     deliveries.c.status == "pending",
                                     deliveries.c.next_attempt_at == row.next_attempt_at)
            .values(next_attempt_at=lease))
    return claimed.rowcount == 1


def _record_sent(engine: Engine, delivery_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.delivery_id == delivery_id)
                     .values(status="sent", sent_at=utc_now(), last_error=None,
                             attempts=deliveries.c.attempts + 1))


def _record_failure(engine: Engine, row: Any, reason: str, now: datetime,
                    retry_seconds: float) -> None:
    attempts = row.attempts + 1
    wait = min(timedelta(seconds=retry_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.delivery_id == row.delivery_id)
                     .values(attempts=attempts, last_error=reason[:500],
                             next_attempt_at=_iso(now + wait)))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
