"""How the `bandcrawler` command prints: JSON, the search table, the saga summary."""

from __future__ import annotations

import json
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def format_hits(hits) -> str:
    if not hits:
        return "No concerts found."
    rows = [("DATE", "TIME", "BAND", "VENUE", "CITY", "CC", "STATUS", "KM")]
    for hit in hits:
        s, venue = hit.source, hit.source.get("venue") or {}
        km = "" if hit.distance_km is None else f"{hit.distance_km:.0f}"
        # No source lists it any more: not cancelled, but not to be taken as scheduled either.
        status = (s.get("status") or "") + (" (unlisted)" if s.get("listed") is False else "")
        rows.append((s.get("local_date") or "", s.get("local_time") or "", s.get("band") or "",
                     venue.get("name") or "", venue.get("city") or "",
                     venue.get("country") or "", status, km))
    widths = [min(max(len(r[i]) for r in rows), 32) for i in range(len(rows[0]))]
    lines = ("  ".join(cell[:w].ljust(w) for cell, w in zip(r, widths, strict=True))
             for r in rows)
    return "\n".join(line.rstrip() for line in lines)


def format_saga(summary: dict) -> str:
    lines = [f"{summary['concerts']} concert(s): {summary['complete']} complete, "
             f"{summary['concerts'] - summary['complete']} pending"]
    for step, count in summary["pending"].items():
        lines.append(f"  pending at {step}: {count}")
    for reason in summary["reasons"]:
        # Reasons carry the step that failed ("index: unavailable: …"); it is not repeated.
        text = reason["reason"]
        if not text.startswith(f"{reason['step']}: "):
            text = f"{reason['step']}: {text}"
        lines.append(f"    {reason['count']:>5} × {text}")
    return "\n".join(lines)


def watch_json(watch) -> dict:
    """A watch fit to print: channel URLs masked, the feed token left out."""
    from bandcrawler.notify.channels import mask_target

    spec = watch.spec()
    spec["webhooks"] = [mask_target("webhook", u) for u in spec["webhooks"]]
    spec["notify"] = [mask_target("apprise", u) for u in spec["notify"]]
    return {"name": watch.name, "id": watch.watch_id, "created_at": watch.created_at,
            "since_position": watch.since_position, **spec}


def format_watch(watch, token: bool = False) -> str:
    spec = watch_json(watch)
    lines = [f"{watch.name}  (since position {watch.since_position})"]
    place = f"{spec['place']} " if spec["place"] else ""
    where = (f"within {spec['radius_km']:g} km of {place}({spec['lat']:.4f}, "
             f"{spec['lon']:.4f})" if spec["lat"] is not None else None)
    when = " ".join(f"{k} {spec[f]}" for k, f in (("from", "date_from"), ("to", "date_to"))
                    if spec[f]) or (f"next {spec['within_days']} days"
                                    if spec["within_days"] else None)
    for label, value in (("bands", ", ".join(spec["bands"])), ("where", where),
                         ("country", spec["country"]), ("when", when),
                         ("changes", ", ".join(spec["changes"])),
                         ("email", ", ".join(spec["emails"])),
                         ("webhook", ", ".join(spec["webhooks"])),
                         ("notify", ", ".join(spec["notify"]))):
        if value:
            lines.append(f"  {label:<8} {value}")
    if token:
        lines.append(f"  feeds    token {watch.token} (the web feeds' secret)")
    return "\n".join(lines)


def format_changes(changes) -> str:
    from bandcrawler.domain.changes import describe

    if not changes:
        return "No changes."
    lines = []
    for c in changes:
        venue = (c.concert.get("venue") or {})
        lines.append(f"{c.at[:16].replace('T', ' ')}  {c.concert.get('band')}  "
                     f"{c.concert.get('local_date')}  {venue.get('city') or ''}  "
                     f"[{c.concert_id}]")
        lines.append(f"    {describe(c)}")
    return "\n".join(lines)


def format_history(concert_id: str, entries) -> str:
    from bandcrawler.domain.changes import describe

    lines = [f"History of concert {concert_id}: {len(entries)} event(s)"]
    for e in entries:
        by = f" by {e.source}" if e.source else ""
        lines.append(f"#{e.position}  {e.recorded_at[:19].replace('T', ' ')}  {e.type}{by}"
                     + (f"  ({e.source_url})" if e.source_url else ""))
        for change in e.changes:
            lines.append(f"      {describe(change)}")
    return "\n".join(lines)


def format_pending(pending: list[dict]) -> str:
    if not pending:
        return "No pending deliveries."
    lines = [f"{len(pending)} pending deliveries:"]
    for p in pending:
        lines.append(f"  {p['message_id']}  {p['channel']} {p['target']}  "
                     f"{p['changes']} change(s), {p['attempts']} attempt(s), next "
                     f"{p['next_attempt_at'][:19]}"
                     + (f"\n      last error: {p['last_error']}" if p["last_error"] else ""))
    return "\n".join(lines)


def _plain(value: object) -> str:
    """Crawled text fit for a terminal: no control characters, escapes or bidi overrides."""
    return _CONTROL.sub(" ", "" if value is None else str(value))


def format_parsed(kind: str, items: list[dict], rejected: list[dict]) -> str:
    """What `bandcrawler parse` found: one block per concert, then each rejection."""
    lines = [f"{len(items)} concert(s), {len(rejected)} rejected ({kind})"]
    for item in items:
        when = " ".join(filter(None, (item.get("local_date"), item.get("local_time"),
                                      item.get("utc_offset"))))
        place = ", ".join(filter(None, (item.get("venue_name"), item.get("venue_city"),
                                        item.get("venue_country"))))
        lines.append(f"{when}  {_plain(place) or '(no place)'}  [{item.get('status')}]")
        if item.get("latitude") is not None:
            lines.append(f"    at {item['latitude']:.5f}, {item['longitude']:.5f}")
        if item.get("lineup"):
            lines.append(f"    lineup: {_plain(' | '.join(item['lineup']))}")
        if item.get("title"):
            lines.append(f"    title: {_plain(item['title'])}")
    for rejection in rejected:
        lines.append(f"rejected ({rejection['reason']}): {_plain(rejection['detail'])}")
    return "\n".join(lines)


def format_duplicates(groups: list[list[dict]]) -> str:
    """Each group of concerts recorded twice, one line per concert."""
    if not groups:
        return "No concert is recorded twice."
    lines = [f"{len(groups)} concert(s) recorded more than once:"]
    for group in groups:
        first = group[0]
        lines.append(f"{_plain(first['band'])} on {first['local_date']}:")
        for c in group:
            place = ", ".join(filter(None, (c["venue_name"], c["venue_city"], c["venue_country"])))
            lines.append(f"  {c['concert_id']}  {c['local_date']} {c['local_time'] or ''}  "
                         f"{_plain(place)}  ({', '.join(c['sources'] or [])})")
    return "\n".join(lines)
