"""How the `bandcrawler` command prints: JSON, the search table, the saga summary."""

from __future__ import annotations

import json


def print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def format_hits(hits) -> str:
    if not hits:
        return "No concerts found."
    rows = [("DATE", "TIME", "BAND", "VENUE", "CITY", "CC", "STATUS", "KM")]
    for hit in hits:
        s, venue = hit.source, hit.source.get("venue") or {}
        km = "" if hit.distance_km is None else f"{hit.distance_km:.0f}"
        rows.append((s.get("local_date") or "", s.get("local_time") or "", s.get("band") or "",
                     venue.get("name") or "", venue.get("city") or "",
                     venue.get("country") or "", s.get("status") or "", km))
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
        lines.append(f"    {reason['count']:>5} × {reason['step']}: {reason['reason']}")
    return "\n".join(lines)


def shown(text: object) -> str:
    """Text from a source, safe for a terminal: control characters (escape sequences that
    could rewrite the screen) are written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def format_band_list(statuses) -> str:
    """Each band, each source, and what the last crawl of that kind of source read."""
    if not statuses:
        return ("No bands registered. Add one by name: bandcrawler band add NAME "
                "(or with its page: --website URL)")
    lines = []
    for band in statuses:
        lines.append(shown(band.name))
        if not band.sources:
            lines.append("  (no sources: nothing to crawl)")
        for source in band.sources:
            lines.append(f"  {source.kind:<12} {shown(source.value)}")
            if source.crawled_at is None:
                crawl = "never crawled"
            else:
                whole = "read completely" if source.complete else "NOT read completely"
                crawl = (f"last crawled {source.crawled_at[:16].replace('T', ' ')}, "
                         f"{source.concerts} concert(s), {whole}")
            lines.append(f"  {'':<12}   {crawl}")
            if source.suspect:
                lines.append(f"  {'':<12}   suspect: {shown(source.suspect)}")
            if source.discovered_from:
                lines.append(f"  {'':<12}   found via {shown(source.discovered_from)}")
    return "\n".join(lines)


def format_import_summary(rows) -> str:
    """The end of `band import`: one line per name, grouped by outcome."""
    order = ("registered", "unchanged", "ambiguous", "not found", "failed")
    lines = ["", "Import summary"]
    for outcome in order:
        group = [r for r in rows if r.outcome == outcome]
        if not group:
            continue
        lines.append(f"  {outcome}: {len(group)}")
        lines += [f"    {shown(r.name)}" + (f" — {shown(r.detail)}" if r.detail else "")
                  for r in group]
    return "\n".join(lines)
