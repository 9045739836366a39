"""SQLAlchemy tables: the event store, projection checkpoints, the write model, saga, caches,
deliveries."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# The source of truth. `position` is a plain INTEGER PRIMARY KEY (no AUTOINCREMENT): SQLite
# gives max+1 inside the single writer's transaction, so positions stay gap-free and a
# rolled-back append leaves no hole.
events = Table(
    "events",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("stream_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    # The schema version of `data` (see domain/upcasting.py): readers upcast older ones.
    Column("schema_version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    sqlite_autoincrement=False,
)

# Last position each projection applied; written in the same transaction as its rows.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
)

# Identity index: a source's own id, or a natural key, -> concert id. Kept by the recorder in
# the same transaction as the events it appends; derivable from the events.
concert_keys = Table(
    "concert_keys",
    metadata,
    Column("key", String(500), primary_key=True),
    Column("concert_id", String(64), nullable=False),
)

bands = Table(
    "bands",
    metadata,
    Column("band_id", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("registered_at", String(40), nullable=False),
)

band_sources = Table(
    "band_sources",
    metadata,
    Column("band_id", String(64), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("value", String(1000), primary_key=True),
)

concerts = Table(
    "concerts",
    metadata,
    Column("concert_id", String(64), primary_key=True),
    Column("band_id", String(64), nullable=False, index=True),
    Column("band", String(300), nullable=False),
    Column("title", Text),
    Column("local_date", String(10), nullable=False, index=True),
    Column("local_time", String(5)),
    Column("timezone", String(64)),
    Column("starts_at", String(40)),
    Column("status", String(20), nullable=False),
    Column("listed", Boolean, nullable=False, default=True),
    Column("venue_name", String(300)),
    Column("venue_address", String(500)),
    Column("venue_city", String(200)),
    Column("venue_region", String(200)),
    Column("venue_country", String(2)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("geo_precision", String(10)),
    Column("lineup", JSON, nullable=False),
    Column("url", Text),
    Column("ticket_url", Text),
    Column("sources", JSON, nullable=False),
    Column("first_seen", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)

saga = Table(
    "saga",
    metadata,
    Column("concert_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("geocoded", Boolean, nullable=False, default=False),
    Column("persisted_version", Integer, nullable=False, default=0),
    Column("indexed_version", Integer, nullable=False, default=0),
    Column("pending_step", String(20)),
    Column("last_error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_retry_at", String(40)),
    Column("updated_at", String(40), nullable=False),
)

# Persistent geocoder cache, keyed by provider and normalized query. A miss ("not found")
# is cached too, so an unknown place is not asked for again on every crawl.
geocode_cache = Table(
    "geocode_cache",
    metadata,
    Column("provider", String(50), primary_key=True),
    Column("query", String(500), primary_key=True),
    Column("found", Boolean, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("precision", String(10)),
    Column("timezone", String(64)),
    Column("country", String(2)),
    Column("created_at", String(40), nullable=False),
)

# The notification follower's outbox: written with its checkpoint, sent afterwards, marked
# sent once the channel took it. `message_id` is the same for every channel of one message.
deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(200), primary_key=True),
    Column("message_id", String(120), nullable=False),
    Column("watch_id", String(64), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("target", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False, index=True),  # pending or sent
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("sent_at", String(40)),
)
