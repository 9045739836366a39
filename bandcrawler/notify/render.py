"""Messages people read: the text of an alert, as an e-mail and as a webhook's JSON."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

MAX_SUBJECT = 120


def subject(payload: dict[str, Any]) -> str:
    changes = payload["changes"]
    first = changes[0]
    more = f" and {len(changes) - 1} more" if len(changes) > 1 else ""
    what = first["summary"].split(" — said by")[0]
    line = f"[bandcrawler] {payload['watch']}: {first['concert'].get('band')}, {what}{more}"
    # Text from crawled pages: no line breaks in a header.
    return " ".join(line.split())[:MAX_SUBJECT]


def text_body(payload: dict[str, Any]) -> str:
    lines = [f"{len(payload['changes'])} change(s) for your watch \"{payload['watch']}\":", ""]
    for change in payload["changes"]:
        lines += [*_change_lines(change), ""]
    lines.append(f"Message {payload['message_id']} — bandcrawler")
    return "\n".join(lines)


def _change_lines(change: dict[str, Any]) -> list[str]:
    c = change["concert"]
    venue = c.get("venue") or {}
    where = ", ".join(v for v in (venue.get("name"), venue.get("city"), venue.get("country"))
                      if v)
    km = change.get("distance_km")
    when = " ".join(v for v in (c.get("local_date"), c.get("local_time")) if v)
    lines = [f"* {c.get('band')} — {when} — {where or 'place unknown'}"
             + (f" ({km:.0f} km away)" if km is not None else ""),
             f"  {change['summary']}"]
    if c.get("status") and c["status"] != "scheduled":
        lines.append(f"  status: {c['status']}")
    if c.get("url"):
        lines.append(f"  {c['url']}")
    lines += [f"  source: {s['source']} {s.get('url') or ''}".rstrip()
              for s in change.get("sources") or []]
    return lines


def email_message(payload: dict[str, Any], mail_from: str, to: str) -> EmailMessage:
    """The alert as a plain-text e-mail whose Message-ID is the message's stable id, so a
    repeat after a crash is recognisably the same message."""
    message = EmailMessage()
    message["From"], message["To"] = mail_from, to
    message["Subject"] = subject(payload)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = mail_from.rpartition("@")[2].strip("> ") or "bandcrawler.invalid"
    message["Message-ID"] = message_id_header(payload["message_id"], domain)
    message.set_content(text_body(payload))
    return message


def message_id_header(message_id: str, domain: str) -> str:
    return f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
