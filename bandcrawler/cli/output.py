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
