"""Each stored event carries the schema version of its payload; those before it are 1.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database that `metadata.create_all` made (stamped 0001 on adoption, see engine.py)
    # may have the column already.
    if "schema_version" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("events")}:
        return
    # The server default gives every existing row version 1 without rewriting the table.
    op.add_column("events", sa.Column("schema_version", sa.Integer, nullable=False,
                                      server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("schema_version")
