"""Deliveries: the notification follower's messages, one row per watch, batch and channel.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database that `metadata.create_all` made (stamped 0001 on adoption, see engine.py)
    # may have the table already.
    if sa.inspect(op.get_bind()).has_table("deliveries"):
        return
    op.create_table(
        "deliveries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        sa.Column("message_id", sa.String(120), nullable=False),
        sa.Column("watch_id", sa.String(64), nullable=False, index=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.String(40), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("sent_at", sa.String(40)),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
