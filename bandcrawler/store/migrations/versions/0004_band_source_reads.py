"""Where a band's source came from, and what the last crawl of each source read.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database that `metadata.create_all` made (stamped 0001 on adoption, see engine.py)
    # may have both already.
    inspector = sa.inspect(op.get_bind())
    if "discovered_from" not in {c["name"] for c in inspector.get_columns("band_sources")}:
        op.add_column("band_sources", sa.Column("discovered_from", sa.String(1000)))
    if inspector.has_table("source_reads"):
        return
    op.create_table(
        "source_reads",
        sa.Column("band_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("crawled_at", sa.String(40), nullable=False),
        sa.Column("concerts", sa.Integer, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("accepted_concerts", sa.Integer),
        sa.Column("suspect_reason", sa.Text),
        sa.Column("suspect_digest", sa.String(64)),
        sa.Column("suspect_crawls", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("source_reads")
    with op.batch_alter_table("band_sources") as batch:
        batch.drop_column("discovered_from")
