"""Where messages go: SMTP (smtplib), a JSON webhook (signed), any service apprise knows."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from bandcrawler.notify.render import email_message, subject, text_body

MAX_ANSWER = 64 * 1024  # of a webhook's answer, read and thrown away
SIGNATURE_HEADER = "X-Bandcrawler-Signature"


class ChannelError(Exception):
    """A message was not delivered; the text says why (and holds no secret)."""


@dataclass(frozen=True)
class ChannelSettings:
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "bandcrawler@localhost"
    smtp_ca_certs: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    timeout: float = 10.0


def send(kind: str, target: str, payload: dict[str, Any], settings: ChannelSettings) -> None:
    """Deliver `payload` through the channel `kind` to `target`; ChannelError if not."""
    senders = {"email": send_email, "webhook": send_webhook, "apprise": send_apprise}
    try:
        senders[kind](target, payload, settings)
    except ChannelError:
        raise
    except (OSError, smtplib.SMTPException, ssl.SSLError, ValueError) as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}"[:300]) from None


def send_email(to: str, payload: dict[str, Any], settings: ChannelSettings) -> None:
    if not settings.smtp_url:
        raise ChannelError("no SMTP server: set BANDCRAWLER_SMTP_URL")
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ChannelError("BANDCRAWLER_SMTP_URL must be smtp://[user:pass@]host[:port] or "
                           "smtps://…")
    context = ssl.create_default_context(cafile=settings.smtp_ca_certs)
    message = email_message(payload, settings.mail_from, to)
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, parts.port or 465,
                                                timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 587, timeout=settings.timeout)
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        elif parts.scheme == "smtp" and parts.password is not None:
            raise ChannelError(f"{parts.hostname} offers no STARTTLS: not sending the "
                               "password in clear")
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def send_webhook(url: str, payload: dict[str, Any], settings: ChannelSettings) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "bandcrawler-notify",
               "Idempotency-Key": payload["message_id"]}
    if settings.webhook_secret:
        digest = hmac.new(settings.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={digest}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    deadline = time.monotonic() + settings.timeout
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as answer:
            # Read a little of the answer, within the time allowed: a receiver that
            # trickles or floods bytes holds nothing up.
            read = 0
            while read < MAX_ANSWER and time.monotonic() < deadline:
                chunk = answer.read1(8192)
                if not chunk:
                    break
                read += len(chunk)
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"webhook answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise ChannelError(f"webhook unreachable: {exc.reason}"[:300]) from None


def send_apprise(url: str, payload: dict[str, Any], settings: ChannelSettings) -> None:
    import apprise

    # apprise logs each failure itself; our delivery record says what failed.
    logging.getLogger("apprise").setLevel(logging.CRITICAL)
    sender = apprise.Apprise()
    if not sender.add(url):
        raise ChannelError("not a notification URL apprise understands")
    if not sender.notify(title=subject(payload), body=text_body(payload)):
        raise ChannelError("apprise could not deliver the notification")


def mask_target(kind: str, target: str) -> str:
    """A channel's target fit to print: an address as it is; of a webhook only its scheme
    and host (tokens hide in the path, the query and the user part); of an apprise URL only
    its scheme (services put their secrets even in the host: an ntfy topic, a bot token)."""
    if kind == "email":
        return target
    parts = urlsplit(target)
    if kind != "webhook":
        return f"{parts.scheme}://…"
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    hidden = parts.username or parts.password or parts.path.strip("/") or parts.query
    return f"{parts.scheme}://{host}{'/…' if hidden else ''}"
