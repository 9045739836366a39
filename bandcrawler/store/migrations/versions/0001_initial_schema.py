"""The initial schema: event store, checkpoints, identity index, write model, saga, cache.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # `position` has no sequence (PostgreSQL) and no AUTOINCREMENT (SQLite): the event store
    # assigns max+1 under its append lock, so positions are gap-free and follow commit order.
    op.create_table(
        "events",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "concert_keys",
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("concert_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "bands",
        sa.Column("band_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("registered_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "band_sources",
        sa.Column("band_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(1000), primary_key=True),
    )
    op.create_table(
        "concerts",
        sa.Column("concert_id", sa.String(64), primary_key=True),
        sa.Column("band_id", sa.String(64), nullable=False),
        sa.Column("band", sa.String(300), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("local_time", sa.String(5)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("starts_at", sa.String(40)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("venue_name", sa.String(300)),
        sa.Column("venue_address", sa.String(500)),
        sa.Column("venue_city", sa.String(200)),
        sa.Column("venue_region", sa.String(200)),
        sa.Column("venue_country", sa.String(2)),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("geo_precision", sa.String(10)),
        sa.Column("lineup", sa.JSON, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("ticket_url", sa.Text),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_concerts_band_id", "concerts", ["band_id"])
    op.create_index("ix_concerts_local_date", "concerts", ["local_date"])
    op.create_table(
        "saga",
        sa.Column("concert_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("geocoded", sa.Boolean, nullable=False),
        sa.Column("persisted_version", sa.Integer, nullable=False),
        sa.Column("indexed_version", sa.Integer, nullable=False),
        sa.Column("pending_step", sa.String(20)),
        sa.Column("last_error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_retry_at", sa.String(40)),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("provider", sa.String(50), primary_key=True),
        sa.Column("query", sa.String(500), primary_key=True),
        sa.Column("found", sa.Boolean, nullable=False),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("precision", sa.String(10)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("country", sa.String(2)),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in ("geocode_cache", "saga", "concerts", "band_sources", "bands",
                  "concert_keys", "checkpoints", "events"):
        op.drop_table(table)
