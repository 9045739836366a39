"""The frozen event log: load it into a fresh store, replay it, and dump what the replay made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bandcrawler.bootstrap import Bandcrawler
from bandcrawler.config import Config
from bandcrawler.services.indexing import reindex
from bandcrawler.services.projections import catch_up
from bandcrawler.store.tables import band_sources, bands, concerts, events

DIRECTORY = Path(__file__).resolve().parent.parent / "fixtures" / "frozen_log"
LOG = DIRECTORY / "events.jsonl"
EXPECTED = DIRECTORY / "expected.json"
# A stored event as the log holds it: every column of `events`, as written.
FIELDS = ("position", "stream_id", "version", "type", "schema_version", "data", "meta",
          "recorded_at")


def read_log(path: Path = LOG) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write_log(rows: list[dict[str, Any]], path: Path = LOG) -> None:
    path.write_text("".join(json.dumps({f: row[f] for f in FIELDS}, ensure_ascii=False,
                                       sort_keys=True) + "\n" for row in rows),
                    encoding="utf-8")


def load_log(app: Bandcrawler, rows: list[dict[str, Any]]) -> None:
    """Put the stored events into the (empty) store as they were stored: the schema version
    each was written in included, which is what makes the readers upcast the old ones."""
    with app.engine.begin() as conn:
        conn.execute(events.insert(), [{f: row[f] for f in FIELDS} for row in rows])


def replay(database_url: str, es_url: str, alias: str, rows: list[dict[str, Any]]
           ) -> dict[str, Any]:
    """Load the log into a fresh store, project it into the write model and a new read-model
    index, and return the rows and documents that made."""
    app = Bandcrawler(Config(database_url=database_url, elasticsearch_url=es_url,
                             index_alias=alias))
    try:
        load_log(app, rows)
        catch_up(app.write_model, app.store)
        reindex(app.read_model, app.store)
        return {**write_model_rows(app), "documents": documents(app, alias)}
    finally:
        app.close()


def write_model_rows(app: Bandcrawler) -> dict[str, list[dict[str, Any]]]:
    found = {}
    with app.engine.connect() as conn:
        for table in (bands, band_sources, concerts):
            query = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [dict(row._mapping) for row in conn.execute(query)]
    return found


def documents(app: Bandcrawler, alias: str) -> list[dict[str, Any]]:
    client = app.elasticsearch
    client.indices.refresh(index=alias)
    answer = client.search(index=alias, size=10_000, version=True,
                           sort=[{"concert_id": "asc"}], query={"match_all": {}})
    return [{"_id": hit["_id"], "_version": hit["_version"], "_source": hit["_source"]}
            for hit in answer["hits"]["hits"]]
